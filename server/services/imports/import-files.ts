import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { getEnv } from "@/server/lib/env";

/**
 * Uploaded CSV files, kept in `DATA_DIR/imports/<import id>.csv` from the upload until the import
 * completes, so a run killed mid-way can resume from its last committed line. Written to a
 * temporary name first and renamed once whole, so a file under the final name is always complete.
 */
export type ImportSource = AsyncIterable<Buffer | Uint8Array | string> | Readable;

function importsDir(): string {
  return path.resolve(getEnv().DATA_DIR, "imports");
}

export function importFilePath(importId: string): string {
  return path.join(importsDir(), `${importId}.csv`);
}

export function hasImportFile(importId: string): boolean {
  return existsSync(importFilePath(importId));
}

export function openImportFile(importId: string): Readable {
  return createReadStream(importFilePath(importId), { highWaterMark: 256 * 1024 });
}

/** A received upload, not yet under its import's name. */
export interface ReceivedFile {
  tempPath: string;
  sha256: string;
  bytes: number;
}

/**
 * Looks at the beginning of an upload (up to `bytes`, or the whole file when shorter) before any
 * of it is stored; throwing refuses the upload.
 */
export interface HeadInspection {
  bytes: number;
  inspect: (head: Buffer, complete: boolean) => void;
}

/**
 * Streams an upload to disk (memory stays flat) while hashing it. With `head`, nothing is written
 * until the beginning of the file passed `head.inspect`; a refused upload is read to its end
 * (so the client gets the answer, not a reset connection) without being stored, and the error
 * is thrown.
 */
export async function receiveUpload(
  importId: string,
  source: ImportSource,
  tag: string,
  head?: HeadInspection,
): Promise<ReceivedFile> {
  await mkdir(importsDir(), { recursive: true });
  const tempPath = path.join(importsDir(), `${importId}.${tag}.upload`);
  const hash = createHash("sha256");
  let bytes = 0;
  let held: Buffer[] = [];
  let heldBytes = 0;
  let inspected = !head;
  let refused: unknown;
  const release = (stream: Transform, complete: boolean) => {
    inspected = true;
    try {
      head!.inspect(Buffer.concat(held, heldBytes), complete);
      for (const chunk of held) stream.push(chunk);
    } catch (error) {
      refused = error;
    }
    held = [];
  };
  const counter = new Transform({
    transform(chunk: Buffer | string, _encoding, done) {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      if (refused) return done();
      hash.update(buffer);
      bytes += buffer.length;
      if (inspected) return done(null, buffer);
      held.push(buffer);
      heldBytes += buffer.length;
      if (heldBytes >= head!.bytes) release(this, false);
      done();
    },
    flush(done) {
      if (!inspected) release(this, true);
      done();
    },
  });
  const input = source instanceof Readable ? source : Readable.from(source, { objectMode: false });
  try {
    await pipeline(input, counter, createWriteStream(tempPath, { mode: 0o600 }));
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
  if (refused) {
    await rm(tempPath, { force: true });
    throw refused;
  }
  return { tempPath, sha256: hash.digest("hex"), bytes };
}

/** Puts a received upload under its import's name (replacing an earlier copy of the same file). */
export async function keepUpload(importId: string, file: ReceivedFile): Promise<void> {
  await rename(file.tempPath, importFilePath(importId));
}

export async function discardUpload(file: ReceivedFile): Promise<void> {
  await rm(file.tempPath, { force: true });
}

export async function removeImportFile(importId: string): Promise<void> {
  await rm(importFilePath(importId), { force: true });
}
