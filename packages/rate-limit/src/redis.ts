/**
 * `RedisRateLimiterBackend`: rate limiters and barriers in Redis (needs `ioredis`).
 *
 * @module @troupe/rate-limit/redis
 */
export { RedisRateLimiterBackend, type RedisRateLimiterBackendOptions } from "./redis-rate-limiter-backend.js";
