export { RedisRateLimiterBackend, type RedisRateLimiterBackendOptions } from "./redis-rate-limiter-backend.js";
