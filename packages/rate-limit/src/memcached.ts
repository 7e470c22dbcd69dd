export { INTEGER_FLAGS, MemcachedRateLimiterBackend, type MemcachedRateLimiterBackendOptions } from "./memcached-rate-limiter-backend.js";
