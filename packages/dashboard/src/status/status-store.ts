import { assertKnownOptions, InvalidOption, type JsonValue, optionKeys } from "@troupe/core";
import { type ActorStatsSample, buildActorStats, STATS_BUCKET_MS, STATS_RETENTION } from "./actor-stats.js";
import type { MessageState } from "./message-state.js";
import { type NormalizedQuery, normalizeQuery } from "./status-query.js";

// Re-exported for readers of this contract; defined in their own modules.
export { STATS_BUCKET_MS, STATS_RETENTION } from "./actor-stats.js";
export { MESSAGE_STATES, type MessageState } from "./message-state.js";

/** The error of a failed run. */
export interface StatusError {
  /** The error's class name, e.g. `"TimeLimitExceeded"`. */
  type: string;
  /** The error's message. */
  message: string;
  /** Its stack (at most 8 KB), when there is one. */
  traceback?: string;
}

/** One step of a message's life. */
export interface StatusTransition {
  /** The state entered. */
  state: MessageState;
  /** When, in ms since the epoch (the recording process's clock). */
  at: number;
  /** Why a run failed: on `retrying`, `failed`, `dead-lettered` and `aborted`. */
  error?: StatusError;
}

/** What is known of one message id: the durable answer to "where is message X, what happened to it?". */
export interface StatusRecord {
  /** The message id (stable across retries and delays). */
  messageId: string;
  /** The actor the message runs. */
  actorName: string;
  /** Its queue, canonical (`q`, never `q.DQ` or `q.XQ`). */
  queueName: string;
  /** The positional arguments as JSON text, cut at {@link ARGS_PREVIEW_LENGTH} characters (then ending in `…`). */
  args: string;
  /** The keyword arguments (sent by Python producers) as JSON text, cut like `args`; absent when empty. */
  kwargs?: string;
  /**
   * The message's wire options (snake_case) as last seen, without `traceback` (it is on the
   * transition's error); a value whose JSON exceeds {@link ARGS_PREVIEW_LENGTH} characters is replaced by its cut JSON text.
   */
  options: Record<string, JsonValue>;
  /** The current state: that of the latest transition. */
  state: MessageState;
  /** Every transition, oldest first. */
  transitions: StatusTransition[];
  /** When the record was created (the message first seen: sent, or first run when sent by a producer without the middleware), ms. */
  createdAt: number;
  /** When the latest transition was recorded, ms. */
  updatedAt: number;
  /** How many times the message was retried so far (the wire option `retries`). */
  retries: number;
  /** How long the last run took, ms, to the microsecond (absent until a run ends). */
  durationMs?: number;
}

/** How long `args`, `kwargs` and large option previews may be, in characters. */
export const ARGS_PREVIEW_LENGTH = 1_024;

/**
 * One transition as the `Status` middleware writes it. The store creates the record
 * from the first event it gets for an id, appends the transition, and updates the rest.
 */
export interface StatusEvent {
  /** The message id. */
  messageId: string;
  /** The actor. */
  actorName: string;
  /** The canonical queue name. */
  queueName: string;
  /** The transition. */
  transition: StatusTransition;
  /** The arguments preview; set on events that may create the record. */
  args?: string;
  /** The keyword arguments preview, when not empty. */
  kwargs?: string;
  /** The options preview as JSON text (see `StatusRecord.options`), when they may have changed. */
  options?: string;
  /** The wire option `retries`. */
  retries?: number;
  /** How long the run took, on the transition that ends a run. */
  durationMs?: number;
  /**
   * When the message was built (its `message_timestamp`), ms. A change this close to it
   * (within 1% of the TTL) may leave the record's expiry where its creation put it: pushing
   * it back by so little is not worth a write.
   */
  sentAt?: number;
}

/** Which records `search` returns; every filter is optional and they combine with AND. */
export interface StatusQuery {
  /** Only messages of this actor. */
  actorName?: string;
  /** Only messages of this queue (canonical name). */
  queueName?: string;
  /** Only messages currently in this state. */
  state?: MessageState;
  /** Only records created at or after this time, ms. */
  from?: number;
  /** Only records created at or before this time, ms. */
  to?: number;
  /** Page size: 1 to 500, default 50. */
  limit?: number;
  /** The `next` of the previous page. */
  cursor?: string;
}

/** One page of search results. */
export interface StatusPage {
  /** Matching records, newest first. */
  records: StatusRecord[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  next?: string;
}

/** Processing figures of one actor over one time bucket. */
export interface ActorStatsBucket {
  /** Start of the bucket, ms. */
  at: number;
  /** Runs that ended in the bucket (succeeded or failed). */
  processed: number;
  /** Of those, runs that failed. */
  failed: number;
  /** Median run time, ms (0 when no run ended). */
  p50: number;
  /** 95th percentile run time, ms. */
  p95: number;
  /** 99th percentile run time, ms. */
  p99: number;
}

/** Throughput and processing time of one actor: what the queues page charts. */
export interface ActorStats {
  /** The actor. */
  actorName: string;
  /** Totals and percentiles over the whole window. */
  total: Omit<ActorStatsBucket, "at">;
  /** One entry per bucket of the window, oldest first, empty buckets included. */
  buckets: ActorStatsBucket[];
}

/** Options of `actorStats`. */
export interface ActorStatsOptions {
  /** The window: the last `sinceMs` ms (default 15 minutes, at most {@link STATS_RETENTION}). */
  sinceMs?: number;
}

/** What `actorStats` returns. */
export interface ActorStatsReport {
  /** Width of each bucket, ms ({@link STATS_BUCKET_MS}); throughput per second is `processed * 1000 / bucketMs`. */
  bucketMs: number;
  /** One entry per actor with a run in the window, by name. */
  actors: ActorStats[];
}

const STATS_OPTIONS = optionKeys<ActorStatsOptions>({ sinceMs: true });

/**
 * Stores message status records. The `Status` middleware writes transitions in batches
 * with `write`; the dashboard and `getStatus` read with `get`, `search` and `actorStats`.
 * An adapter implements `write`, `get`, `find` (a checked query) and `readStats` (raw
 * duration histograms); query checks, cursors and percentiles live here.
 * `MemoryStatusStore` and `RedisStatusStore` implement it.
 */
export abstract class StatusStore {
  /**
   * Applies `events` in order, in one round trip: creates missing records, inserts each
   * transition in time order, counts runs that carry `durationMs` into the stats, and keeps
   * records `ttl` ms from their latest write (index entries `ttl` ms from `createdAt`).
   */
  abstract write(events: readonly StatusEvent[], ttl: number): Promise<void>;

  /** The record of `messageId`, or undefined when none is stored (never seen, or expired). */
  abstract get(messageId: string): Promise<StatusRecord | undefined>;

  /** One page of a checked query: at most `limit` records after `cursor` (a `next` this store returned), and the next cursor when more may match. */
  protected abstract find(query: NormalizedQuery): Promise<StatusPage>;

  /** The duration histograms of every actor in the buckets starting in `[from, to]`. */
  protected abstract readStats(from: number, to: number): Promise<ActorStatsSample[]>;

  /**
   * Records matching `query`, newest first, one page at a time. Records are ordered and
   * time-filtered by their `createdAt` when first written (a record first written after a
   * newer one sorts with that one). Throws `InvalidOption` for a bad query or cursor.
   */
  async search(query: StatusQuery = {}): Promise<StatusPage> {
    return this.find(normalizeQuery(query));
  }

  /** Per-actor throughput and p50/p95/p99 run times over the last `sinceMs` ms, in {@link STATS_BUCKET_MS} buckets. */
  async actorStats(options: ActorStatsOptions = {}): Promise<ActorStatsReport> {
    assertKnownOptions("actorStats", options, STATS_OPTIONS);
    if (options.sinceMs !== undefined && !(options.sinceMs > 0 && Number.isFinite(options.sinceMs))) {
      throw new InvalidOption(`actorStats: sinceMs must be a positive number of ms, got ${options.sinceMs}`);
    }
    const sinceMs = Math.min(options.sinceMs ?? 15 * 60_000, STATS_RETENTION);
    const to = Math.floor(Date.now() / STATS_BUCKET_MS) * STATS_BUCKET_MS;
    const from = to - Math.max(0, Math.ceil(sinceMs / STATS_BUCKET_MS) - 1) * STATS_BUCKET_MS;
    return buildActorStats(await this.readStats(from, to), from, to);
  }

  /** Releases what the store holds (a connection it opened); the default does nothing. */
  async close(): Promise<void> {}
}
