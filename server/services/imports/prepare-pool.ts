import os from "node:os";
import { Worker } from "node:worker_threads";
import { getEnv } from "@/server/lib/env";
import { logger } from "@/server/lib/logger";
import { getSecrets } from "@/server/lib/secrets";
import { workerBundlePath } from "@/server/lib/worker-bundles";
import { fromWorkerError, type WorkerError } from "@/server/lib/worker-errors";
import { AddressSeenMap } from "./address-seen-map";
import { BlindIndexer, PiiBatchEncryptor } from "./pii-batch";
import { prepareBatch, type ColumnIndex, type PreparedRow, type RawRecord, type RowRejection } from "./prepare-rows";

/** What a batch's preparation needs besides its records (all structured-clonable). */
export interface PrepareDeps {
  workspaceId: string;
  columns: ColumnIndex;
  region: string;
  now: Date;
  extraTags: string[];
}

export interface PreparedBatch {
  rows: PreparedRow[];
  rejections: RowRejection[];
  rejectedLines: Set<number>;
}

export interface PrepareWorkerData {
  appSecret: string;
  encryptionKeys: { id: string; key: Uint8Array }[];
}

export interface PrepareRequest {
  id: number;
  workspaceId: string;
  records: RawRecord[];
  columns: ColumnIndex;
  region: string;
  now: number;
  extraTags: string[];
}

export type PrepareResponse =
  | { id: number; ok: true; rows: PreparedRow[]; rejections: RowRejection[]; rejectedLines: number[] }
  | { id: number; ok: false; error: WorkerError };

/**
 * Rows prepared between two yields to the event loop when preparing on the main thread (no
 * worker): the writer of the previous batch gets to send its next statement as soon as the
 * database answers.
 */
const INLINE_SLICE = 50;

/**
 * Workers for an import: IMPORT_WORKERS when set (0 = prepare on the main thread), else one per
 * core but one: the main thread is busy too, parsing the file and writing. On two cores or fewer
 * the default is 0: the database shares those cores, and a worker thread measured no faster
 * there (import bench, 100k rows: 5,483 rows/s and 380 MB peak RSS with one worker, 5,857 rows/s
 * and 322 MB without), while it costs its own V8 heap and bundle (~60 MB).
 */
export function importWorkerCount(): number {
  const cores = os.availableParallelism();
  return getEnv().IMPORT_WORKERS ?? (cores <= 2 ? 0 : cores - 1);
}

const WORKER_YOUNG_GENERATION_MB = 8;

interface Slot {
  worker: Worker;
  busy: boolean;
}

/**
 * The import's preparation (validation, phone parsing, blind indexes, encryption) on a pool of
 * worker threads, one batch per message. Callers bound how many batches they have in flight
 * (run-steps.ts), which bounds the memory the pool holds; results come back per batch, and the
 * caller writes them in file order. Each batch is prepared by one worker with its own
 * within-batch duplicate map, exactly as `prepareBatch` on the main thread would.
 *
 * Without a worker bundle (see server/lib/worker-bundles.ts) or with IMPORT_WORKERS=0 the same
 * work runs on the main thread, in slices.
 */
export class PreparePool {
  private readonly slots: Slot[] = [];
  private readonly queue: PrepareRequest[] = [];
  private readonly waiting = new Map<number, { resolve: (b: PreparedBatch) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;
  private closing = false;
  private inline: { encryptor: PiiBatchEncryptor; indexers: Map<string, BlindIndexer> } | undefined;

  private constructor() {}

  /** Size of the pool; 0 when preparing on the main thread. */
  get size(): number {
    return this.slots.length;
  }

  static async open(size: number = importWorkerCount()): Promise<PreparePool> {
    const pool = new PreparePool();
    const file = size > 0 ? await workerBundlePath("import-prepare") : undefined;
    if (!file) {
      pool.inline = { encryptor: new PiiBatchEncryptor(), indexers: new Map() };
      return pool;
    }
    const secrets = getSecrets();
    const workerData: PrepareWorkerData = {
      appSecret: secrets.appSecret,
      encryptionKeys: secrets.encryptionKeys.map((k) => ({ id: k.id, key: new Uint8Array(k.key) })),
    };
    for (let i = 0; i < size; i++) {
      // Only what the worker needs: no copy of the process environment (its secrets travel in workerData).
      const worker = new Worker(file, {
        workerData,
        env: {},
        stdout: false,
        stderr: false,
        // A batch needs a few MB: a small young generation keeps each worker's RSS near its code.
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      });
      const slot: Slot = { worker, busy: false };
      worker.on("message", (response: PrepareResponse) => pool.settle(slot, response));
      worker.on("error", (error) => pool.fail(new Error(`import worker failed: ${error.name}`)));
      worker.on("exit", (code) => {
        if (code !== 0 && !pool.closing) pool.fail(new Error(`import worker exited with code ${code}`));
      });
      pool.slots.push(slot);
    }
    return pool;
  }

  prepare(records: RawRecord[], deps: PrepareDeps): Promise<PreparedBatch> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.inline) return this.prepareInline(records, deps);
    const id = this.nextId++;
    const request: PrepareRequest = {
      id,
      workspaceId: deps.workspaceId,
      records,
      columns: deps.columns,
      region: deps.region,
      now: deps.now.getTime(),
      extraTags: deps.extraTags,
    };
    return new Promise<PreparedBatch>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.queue.push(request);
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!this.queue.length) return;
      if (slot.busy) continue;
      slot.busy = true;
      slot.worker.postMessage(this.queue.shift()!);
    }
  }

  private settle(slot: Slot, response: PrepareResponse): void {
    slot.busy = false;
    const waiter = this.waiting.get(response.id);
    this.waiting.delete(response.id);
    if (waiter) {
      if (response.ok)
        waiter.resolve({
          rows: response.rows,
          rejections: response.rejections,
          rejectedLines: new Set(response.rejectedLines),
        });
      else waiter.reject(fromWorkerError(response.error));
    }
    this.dispatch();
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    logger.error({ error: error.message }, "import preparation worker stopped");
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
    this.queue.length = 0;
  }

  private async prepareInline(records: RawRecord[], deps: PrepareDeps): Promise<PreparedBatch> {
    const { encryptor, indexers } = this.inline!;
    let indexer = indexers.get(deps.workspaceId);
    if (!indexer) indexers.set(deps.workspaceId, (indexer = new BlindIndexer(deps.workspaceId)));
    // Duplicates within this batch; the batch writer finds those of earlier batches in the database.
    const seen = new AddressSeenMap(records.length * 4);
    const prepared: PreparedBatch = { rows: [], rejections: [], rejectedLines: new Set() };
    for (let at = 0; at < records.length; at += INLINE_SLICE) {
      const part = prepareBatch(records.slice(at, at + INLINE_SLICE), { ...deps, seen, indexer, encryptor });
      for (const r of part.rows) prepared.rows.push(r);
      for (const r of part.rejections) prepared.rejections.push(r);
      for (const line of part.rejectedLines) prepared.rejectedLines.add(line);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return prepared;
  }
}
