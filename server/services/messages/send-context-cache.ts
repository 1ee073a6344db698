/**
 * The in-process cache behind `getSendContext` (send-context.ts), in a module of its own with no
 * imports, so the services that change what it holds (messaging settings, workspace, topics) can
 * drop an entry without importing the pipeline.
 */
export interface CacheEntry<T> {
  loadedAt: number;
  value: Promise<T>;
}

// On globalThis because Next may load this module twice: an invalidation must reach the copy that reads the cache.
const globalForCache = globalThis as unknown as { __optinSendContext?: Map<string, CacheEntry<unknown>> };

export const sendContextCache = (globalForCache.__optinSendContext ??= new Map());

/** Drops the cached send context of a workspace: call it after committing a settings or topic change. */
export function invalidateSendContext(workspaceId: string): void {
  sendContextCache.delete(workspaceId);
}
