/**
 * Worker-thread entry of the import's preparation (bundled by esbuild, see
 * server/lib/worker-bundles.ts; started by prepare-pool.ts): receives batches of raw CSV records
 * and answers each with `prepareBatch`'s result — validation, phone parsing, blind indexes, search
 * tokens, AES-GCM — so the main thread only streams the file and writes.
 *
 * The secrets arrive in `workerData` and are installed where `getSecrets()` looks first, so the
 * worker never reads DATA_DIR or logs them.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Secrets } from "@/server/lib/secrets";
import { toWorkerError } from "@/server/lib/worker-errors";
import { AddressSeenMap } from "./address-seen-map";
import { BlindIndexer, PiiBatchEncryptor } from "./pii-batch";
import { prepareBatch } from "./prepare-rows";
import type { PrepareRequest, PrepareResponse, PrepareWorkerData } from "./prepare-pool";

const data = workerData as PrepareWorkerData;
const secrets: Secrets = {
  appSecret: data.appSecret,
  encryptionKeys: data.encryptionKeys.map((k) => ({ id: k.id, key: Buffer.from(k.key) })),
};
(globalThis as unknown as { __optinSecrets?: Secrets }).__optinSecrets = secrets;

const encryptor = new PiiBatchEncryptor();
const indexers = new Map<string, BlindIndexer>();

parentPort!.on("message", (request: PrepareRequest) => {
  let response: PrepareResponse;
  try {
    let indexer = indexers.get(request.workspaceId);
    if (!indexer) indexers.set(request.workspaceId, (indexer = new BlindIndexer(request.workspaceId)));
    const result = prepareBatch(request.records, {
      columns: request.columns,
      region: request.region,
      now: new Date(request.now),
      extraTags: request.extraTags,
      seen: new AddressSeenMap(request.records.length * 4),
      indexer,
      encryptor,
    });
    response = {
      id: request.id,
      ok: true,
      rows: result.rows,
      rejections: result.rejections,
      rejectedLines: [...result.rejectedLines],
    };
  } catch (error) {
    // An AppError (INVALID …) keeps its code and message.
    response = { id: request.id, ok: false, error: toWorkerError(error) };
  }
  parentPort!.postMessage(response);
});
