import type { AbortBackend, AbortRequest, AbortWatch, AbortWatchHandlers } from "./abort-backend.js";
import { MemoryAbortWatch, type Taken } from "./memory-abort-watch.js";

interface Entries {
  /** The abort entries' timeouts (the cancel list holds `undefined`s), oldest first. */
  readonly values: (number | undefined)[];
  expiresAt: number;
}

/**
 * Abort requests in this process's memory, for tests and single-process apps: the same
 * entries as `RedisAbortBackend` (lists that expire, each entry taken once), and a
 * watch that hears of a request the moment it is stored.
 */
export class MemoryAbortBackend implements AbortBackend {
  private readonly cancels = new Map<string, Entries>();
  private readonly aborts = new Map<string, Entries>();
  private readonly watches = new Set<MemoryAbortWatch>();
  private pruneAt = 1024;

  async request(messageId: string, request: AbortRequest, ttl: number): Promise<void> {
    const expiresAt = Date.now() + Math.max(1, Math.round(ttl));
    push(this.cancels, messageId, undefined, expiresAt);
    if (request.mode === "abort") {
      push(this.aborts, messageId, request.abortTimeout, expiresAt);
      for (const watch of this.watches) if (watch.offer(messageId)) break;
    }
    if (this.cancels.size + this.aborts.size > this.pruneAt) this.prune();
  }

  async takeCancels(messageIds: readonly string[]): Promise<boolean[]> {
    return messageIds.map((id) => take(this.cancels, id).found);
  }

  watch(handlers: AbortWatchHandlers): AbortWatch {
    const watch = new MemoryAbortWatch(
      handlers,
      (id) => take(this.aborts, id),
      () => this.watches.delete(watch),
    );
    this.watches.add(watch);
    return watch;
  }

  async close(): Promise<void> {
    await Promise.all([...this.watches].map((watch) => watch.close()));
  }

  // Expired requests of messages that never came would otherwise pile up: swept when the maps double.
  private prune(): void {
    const now = Date.now();
    for (const map of [this.cancels, this.aborts]) for (const [id, entries] of map) if (entries.expiresAt <= now) map.delete(id);
    this.pruneAt = Math.max(1024, 2 * (this.cancels.size + this.aborts.size));
  }
}

function push(map: Map<string, Entries>, id: string, value: number | undefined, expiresAt: number): void {
  const entries = live(map, id);
  if (entries) {
    entries.values.push(value);
    entries.expiresAt = expiresAt;
  } else map.set(id, { values: [value], expiresAt });
}

function take(map: Map<string, Entries>, id: string): Taken {
  const entries = live(map, id);
  if (!entries) return { found: false };
  const value = entries.values.shift();
  if (entries.values.length === 0) map.delete(id);
  return { found: true, value };
}

function live(map: Map<string, Entries>, id: string): Entries | undefined {
  const entries = map.get(id);
  if (entries && entries.expiresAt <= Date.now()) {
    map.delete(id);
    return undefined;
  }
  return entries;
}
