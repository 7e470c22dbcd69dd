import type { RateLimiterBackend } from "@troupe/core";
import { RateLimiter } from "./rate-limiter.js";

export interface ConcurrentRateLimiterOptions {
  /** Holders at once (default 1: a distributed mutex). */
  limit?: number;
  /** How long the counter lives without changes (ms, default 900 000): slots of crashed holders come back after it. */
  ttl?: number;
}

/** Allows at most `limit` holders at once across every process sharing the backend. */
export class ConcurrentRateLimiter extends RateLimiter {
  readonly limit: number;
  readonly ttl: number;

  constructor(backend: RateLimiterBackend, key: string, options: ConcurrentRateLimiterOptions = {}) {
    super(backend, key);
    this.limit = options.limit ?? 1;
    this.ttl = options.ttl ?? 900_000;
    if (!(this.limit >= 1)) throw new RangeError("limit must be at least 1");
    if (!(this.ttl > 0)) throw new RangeError("ttl must be positive");
  }

  tryAcquire(): Promise<boolean> {
    // Dramatiq tries `add` before `incr` because its memcached `incr` fails on a
    // missing key; ours count a missing key from zero, so one round trip does.
    return this.backend.incr(this.key, 1, this.limit, this.ttl);
  }

  override async release(): Promise<void> {
    await this.backend.decr(this.key, 1, 0, this.ttl);
  }
}
