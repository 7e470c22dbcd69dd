export { MemcachedResultBackend, type MemcachedResultBackendOptions } from "./memcached-result-backend.js";
