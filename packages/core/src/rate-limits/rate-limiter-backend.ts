/**
 * The storage under rate limiters and barriers (docs/protocol.md §7). Keys are the user's
 * raw keys, values decimal counters, TTLs in ms. Each operation is atomic.
 */
export interface RateLimiterBackend {
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
  close?(): Promise<void>;
}
