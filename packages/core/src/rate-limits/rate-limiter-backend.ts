import type { Clock } from "../clock.js";

/**
 * The storage under rate limiters and barriers (docs/protocol.md §7). Keys are the user's
 * raw keys, values decimal counters, TTLs in ms. Each operation is atomic.
 */
export interface RateLimiterBackend {
  /**
   * The clock its TTLs follow, which limiters compute their windows and buckets on:
   * absent means the real one (a memory backend may be on a `TestBroker`'s virtual clock).
   */
  readonly clock?: Clock;
  /** Sets `key` to `value` if absent; true when it was set. */
  add(key: string, value: number, ttl: number): Promise<boolean>;
  /** Adds `amount` if the result stays ≤ `maximum`; true when changed. */
  incr(key: string, amount: number, maximum: number, ttl: number): Promise<boolean>;
  /** Subtracts `amount` if the result stays ≥ `minimum`; true when changed. */
  decr(key: string, amount: number, minimum: number, ttl: number): Promise<boolean>;
  /** Adds `amount` to `key` if the sum over `keys` (which include `key`) stays ≤ `maximum`. */
  incrAndSum(key: string, keys: readonly string[], amount: number, maximum: number, ttl: number): Promise<boolean>;
  /** Waits up to `timeout` ms for a notification on `key`; true when one came. */
  wait(key: string, timeout: number): Promise<boolean>;
  /** Notifies every current and future waiter of `key` (the event list lives `ttl` ms). */
  notify(key: string, ttl: number): Promise<void>;
  /**
   * Takes one of `limit` slots of the counter `key` for `holder` (a unique id per
   * acquisition) until `ttl` ms from now. Slots whose holder's deadline has passed
   * are freed first, so a crashed holder's slot returns within `ttl` even while
   * others keep the counter busy. `key` stays the holder count Dramatiq reads; the
   * deadlines live beside it. Backends that cannot keep deadlines leave this out,
   * and `ConcurrentRateLimiter` falls back to `incr`/`decr`.
   */
  acquireSlot?(key: string, holder: string, limit: number, ttl: number): Promise<boolean>;
  /** Gives back `holder`'s slot of `key`; false when it had expired and was already freed. */
  releaseSlot?(key: string, holder: string, ttl: number): Promise<boolean>;
  /** Closes connections the backend opened. */
  close?(): Promise<void>;
}
