import { type ActorStatsSample, parseStatsFields, STATS_RETENTION, statsIncrements } from "./actor-stats.js";
import { badCursor, type NormalizedQuery } from "./status-query.js";
import { type StatusEvent, type StatusPage, type StatusRecord, StatusStore } from "./status-store.js";
import { applyEvent } from "./transitions.js";

interface Entry {
  record: StatusRecord;
  /** When the record goes: `ttl` after its latest write. */
  expiresAt: number;
  /** Its place in searches, as a Redis index entry: `createdAt` when first written (kept increasing), then the write order. */
  indexedAt: number;
  seq: number;
}

/**
 * Status records in this process's memory, for tests and single-process use: the
 * same semantics as `RedisStatusStore` (ordering, TTL, pagination), nothing shared.
 */
export class MemoryStatusStore extends StatusStore {
  private readonly entries = new Map<string, Entry>();
  private readonly stats = new Map<number, Map<string, number>>();
  private lastIndexedAt = 0;
  private seq = 0;
  private ttl = 0;
  private sweptAt = 0;

  async write(events: readonly StatusEvent[], ttl: number): Promise<void> {
    const now = Date.now();
    this.ttl = ttl;
    for (const event of events) {
      const entry = this.entries.get(event.messageId);
      if (entry && entry.expiresAt > now) {
        applyEvent(entry.record, event);
        entry.expiresAt = now + ttl;
        continue;
      }
      const record = applyEvent(undefined, event);
      this.lastIndexedAt = Math.max(Math.floor(record.createdAt), this.lastIndexedAt);
      this.entries.set(event.messageId, { record, expiresAt: now + ttl, indexedAt: this.lastIndexedAt, seq: this.seq++ });
    }
    for (const [at, fields] of statsIncrements(events)) {
      let counters = this.stats.get(at);
      if (!counters) this.stats.set(at, (counters = new Map()));
      for (const [field, count] of fields) counters.set(field, (counters.get(field) ?? 0) + count);
    }
    if (now - this.sweptAt > 1_000) this.sweep(now);
  }

  async get(messageId: string): Promise<StatusRecord | undefined> {
    const entry = this.entries.get(messageId);
    return entry && entry.expiresAt > Date.now() ? structuredClone(entry.record) : undefined;
  }

  protected async find(query: NormalizedQuery): Promise<StatusPage> {
    const after = query.cursor === undefined ? undefined : parseCursor(query.cursor);
    const now = Date.now();
    const matches: Entry[] = [];
    for (const entry of this.entries.values()) {
      const { record, expiresAt, indexedAt, seq } = entry;
      if (expiresAt <= now || indexedAt < now - this.ttl) continue;
      if (query.actorName !== undefined && record.actorName !== query.actorName) continue;
      if (query.queueName !== undefined && record.queueName !== query.queueName) continue;
      if (query.state !== undefined && record.state !== query.state) continue;
      if (indexedAt < query.from || indexedAt > query.to) continue;
      if (after && (indexedAt > after.at || (indexedAt === after.at && seq >= after.seq))) continue;
      matches.push(entry);
    }
    matches.sort((a, b) => b.indexedAt - a.indexedAt || b.seq - a.seq);
    const page = matches.slice(0, query.limit);
    const records = page.map((entry) => structuredClone(entry.record));
    const last = page[page.length - 1];
    return matches.length > query.limit ? { records, next: `${last.indexedAt}:${last.seq}` } : { records };
  }

  protected async readStats(from: number, to: number): Promise<ActorStatsSample[]> {
    const samples: ActorStatsSample[] = [];
    for (const [at, counters] of this.stats) if (at >= from && at <= to) samples.push(...parseStatsFields(at, counters));
    return samples;
  }

  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(id);
    for (const at of this.stats.keys()) if (at < now - STATS_RETENTION) this.stats.delete(at);
  }
}

function parseCursor(cursor: string): { at: number; seq: number } {
  const match = /^(\d+):(\d+)$/.exec(cursor);
  if (!match) throw badCursor(cursor);
  return { at: Number(match[1]), seq: Number(match[2]) };
}
