/**
 * `RedisResultBackend`: actor results in Redis, readable by Dramatiq's `RedisBackend`.
 *
 * @module @troupe/results-redis
 */
export { RedisResultBackend, type RedisResultBackendOptions } from "./redis-result-backend.js";
