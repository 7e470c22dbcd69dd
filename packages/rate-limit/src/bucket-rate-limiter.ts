import type { RateLimiterBackend } from "@troupe/core";
import { RateLimiter } from "./rate-limiter.js";

export interface BucketRateLimiterOptions {
  /** Acquisitions per bucket. */
  limit: number;
  /** Bucket length (ms); buckets start at multiples of it since the epoch. */
  bucket: number;
}

/**
 * Allows `limit` acquisitions per fixed time bucket. Counters are keyed
 * `<key>@<bucket start ms>`, as Dramatiq's, and live one bucket long.
 */
export class BucketRateLimiter extends RateLimiter {
  readonly limit: number;
  readonly bucket: number;

  constructor(backend: RateLimiterBackend, key: string, options: BucketRateLimiterOptions) {
    super(backend, key);
    this.limit = options.limit;
    this.bucket = options.bucket;
    if (!(this.limit >= 1)) throw new RangeError("limit must be at least 1");
    if (!(this.bucket >= 1) || !Number.isInteger(this.bucket)) throw new RangeError("bucket must be a whole number of ms");
  }

  /** The counter key of the bucket holding `now`. */
  keyAt(now: number): string {
    return `${this.key}@${now - (now % this.bucket)}`;
  }

  tryAcquire(): Promise<boolean> {
    // One `incr` (a missing counter counts from zero) instead of Dramatiq's `add` then `incr`.
    return this.backend.incr(this.keyAt(Date.now()), 1, this.limit, this.bucket);
  }
}
