/**
 * Abort or cancel messages by id from any process: the `Abortable` middleware, `abort()`,
 * and the Redis (dramatiq-abort's layout) and in-memory backends.
 *
 * @module @troupe/abort
 */
export { type AbortOptions, abort } from "./abort.js";
export type { AbortBackend, AbortMode, AbortRequest, AbortWatch, AbortWatchHandlers } from "./abort-backend.js";
export { Abortable, type AbortableOptions, DEFAULT_ABORT_TTL } from "./abortable.js";
export { Abort } from "./errors.js";
export { MemoryAbortBackend } from "./memory-abort-backend.js";
export { RedisAbortBackend, type RedisAbortBackendOptions } from "./redis-abort-backend.js";
