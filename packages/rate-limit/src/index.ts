/**
 * Concurrent, bucket and window rate limiters and the `RateLimits` middleware; the
 * Redis and memcached backends live in the `/redis` and `/memcached` subpaths.
 *
 * @module @troupe/rate-limit
 */
export {
  Barrier,
  GROUP_BARRIER_TTL,
  GroupCallbacks,
  MemoryRateLimiterBackend,
  RateLimitExceeded,
  type RateLimiterBackend,
} from "@troupe/core";
export { BucketRateLimiter, type BucketRateLimiterOptions } from "./bucket-rate-limiter.js";
export { ConcurrentRateLimiter, type ConcurrentRateLimiterOptions } from "./concurrent-rate-limiter.js";
export { type AcquireOptions, RateLimiter } from "./rate-limiter.js";
export { type OnExceeded, type RateLimitOption, RateLimits } from "./rate-limits.js";
export { WindowRateLimiter, type WindowRateLimiterOptions } from "./window-rate-limiter.js";
