export { RedisResultBackend, type RedisResultBackendOptions } from "./redis-result-backend.js";
