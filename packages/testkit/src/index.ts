/**
 * Conformance suites (vitest) for broker, result-backend and rate-limiter-backend authors.
 *
 * @module @troupe/testkit
 */
export { brokerConformance, type ConformanceScope } from "./broker-conformance.js";
export type { BrokerTarget, BrokerTestContext } from "./broker-target.js";
export { eventually, sleep, uniqueQueue } from "./helpers.js";
export { memcachedMeta } from "./memcached-meta.js";
export { type RateLimiterBackendConformanceOptions, rateLimiterBackendConformance } from "./rate-limiter-backend-conformance.js";
export { type ResultBackendConformanceOptions, resultBackendConformance } from "./result-backend-conformance.js";
export { type TransportConformanceOptions, transportConformance } from "./transport-conformance.js";
