/**
 * `MemcachedResultBackend`: actor results in memcached, readable by Dramatiq's `MemcachedBackend`.
 *
 * @module @troupe/results-memcached
 */
export { MemcachedResultBackend, type MemcachedResultBackendOptions } from "./memcached-result-backend.js";
