import { assertKnownOptions, optionKeys, type RateLimiterBackend } from "@troupe/core";
import { RateLimiter } from "./rate-limiter.js";

/** Options of `new BucketRateLimiter(backend, key, options)`. */
export interface BucketRateLimiterOptions {
  /** Acquisitions per bucket. */
  limit: number;
  /** Bucket length (ms); buckets start at multiples of it since the epoch. */
  bucket: number;
}

const BUCKET_OPTIONS = optionKeys<BucketRateLimiterOptions>({ limit: true, bucket: true });

/**
 * Allows `limit` acquisitions per fixed time bucket. Counters are keyed
 * `<key>@<bucket start ms>`, as Dramatiq's, and live one bucket long.
 */
export class BucketRateLimiter extends RateLimiter {
  /** Acquisitions per bucket. */
  readonly limit: number;
  /** Bucket length, ms. */
  readonly bucket: number;

  constructor(backend: RateLimiterBackend, key: string, options: BucketRateLimiterOptions) {
    super(backend, key);
    assertKnownOptions("BucketRateLimiter", options, BUCKET_OPTIONS);
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
    return this.backend.incr(this.keyAt(this.backend.clock?.now() ?? Date.now()), 1, this.limit, this.bucket);
  }
}
