/** The driver options every client made from a URL starts from (see `redisClientOptions`). */
export interface RedisClientDefaults {
  /** Connect on first use, so that constructing a component does no I/O. */
  lazyConnect: true;
  /** The TCP connect timeout, ms: the component's `connectTimeout`. */
  connectTimeout: number;
  /** Commands wait for a reconnection instead of failing after a few tries. */
  maxRetriesPerRequest: null;
  /** Commands issued in the same tick share one round trip. */
  enableAutoPipelining: true;
  /** Reconnect forever, backing off from 100 ms to at most 2 s between attempts. */
  retryStrategy: (attempt: number) => number;
}

/**
 * The driver options of a client made from a URL, the same for every Troupe package:
 * reconnect forever, queue commands meanwhile (callers are bounded by `connectTimeout`
 * through `RedisConnection.bounded`, not by a retry count), pipeline automatically.
 * `redisOptions` given by the user override them.
 */
export function redisClientOptions(connectTimeout: number): RedisClientDefaults {
  return {
    lazyConnect: true,
    connectTimeout,
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
  };
}
