/**
 * `MemcachedRateLimiterBackend`: rate limiters and barriers in memcached (needs `memjs`).
 *
 * @module @troupe/rate-limit/memcached
 */
export { INTEGER_FLAGS, MemcachedRateLimiterBackend, type MemcachedRateLimiterBackendOptions } from "./memcached-rate-limiter-backend.js";
