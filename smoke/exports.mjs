/**
 * A few named exports of every entry point (package root or subpath), values
 * and types. Each entry point a manifest declares must be listed, so a new
 * subpath is smoke-tested from the day it ships.
 */
export const EXPORTS = {
  "@troupe/core": {
    values: [
      "actor",
      "actorRef",
      "Worker",
      "MemoryBroker",
      "setBroker",
      "Results",
      "MemoryResultBackend",
      "TroupeError",
      "brokerFromUrl",
      "TransportBroker",
      "MemoryTransport",
      "RedisConnection",
    ],
    types: ["ActorOptions", "BrokerOptions", "Middleware", "ResultBackend", "Transport", "TransportReader", "RedisConnectionOptions"],
  },
  "@troupe/core/testing": {
    values: ["TestBroker", "VirtualClock", "Faults", "UnrunnableMessages", "WaitForTimeout"],
    types: ["DrainSummary", "DrainOptions", "TestBrokerOptions", "WaitForOptions"],
  },
  "@troupe/broker-redis": { values: ["RedisBroker", "RedisTransport"], types: ["RedisBrokerOptions", "RedisTransportOptions"] },
  "@troupe/broker-rabbitmq": {
    values: ["RabbitmqBroker", "RabbitmqTransport"],
    types: ["RabbitmqBrokerOptions", "RabbitmqTransportOptions", "RabbitmqHandle"],
  },
  "@troupe/results-redis": { values: ["RedisResultBackend"], types: ["RedisResultBackendOptions"] },
  "@troupe/results-memcached": { values: ["MemcachedResultBackend"], types: ["MemcachedResultBackendOptions"] },
  "@troupe/rate-limit": {
    values: ["ConcurrentRateLimiter", "BucketRateLimiter", "WindowRateLimiter", "RateLimits", "GroupCallbacks"],
    types: ["ConcurrentRateLimiterOptions", "RateLimitOption"],
  },
  "@troupe/rate-limit/redis": { values: ["RedisRateLimiterBackend"], types: ["RedisRateLimiterBackendOptions"] },
  "@troupe/rate-limit/memcached": { values: ["MemcachedRateLimiterBackend"], types: ["MemcachedRateLimiterBackendOptions"] },
  "@troupe/abort": {
    values: ["Abortable", "abort", "Abort", "RedisAbortBackend", "MemoryAbortBackend", "DEFAULT_ABORT_TTL"],
    types: ["AbortableOptions", "AbortOptions", "AbortBackend", "AbortMode", "RedisAbortBackendOptions"],
  },
  "@troupe/prometheus": { values: ["Prometheus", "startSupervisorExtension"], types: ["PrometheusOptions"] },
  "@troupe/opentelemetry": {
    values: ["OpenTelemetry", "TRACE_CONTEXT_KEY"],
    types: ["OpenTelemetryOptions", "TraceCarrier", "RunOutcome"],
  },
  "@troupe/dashboard": {
    values: ["createDashboard", "Status", "getStatus", "MemoryStatusStore", "RedisStatusStore", "MESSAGE_STATES"],
    types: ["DashboardOptions", "DashboardAuth", "StatusOptions", "MessageState", "RedisStatusStoreOptions"],
  },
  "@troupe/scheduler": {
    values: ["Scheduler", "RedisScheduleStore", "MemoryScheduleStore", "ScheduleTracking", "InvalidSchedule", "tickMessageId"],
    types: ["SchedulerOptions", "ScheduleOptions", "ScheduleStore", "RedisScheduleStoreOptions"],
  },
  "@troupe/cli": { values: ["main", "parseCommandLine", "ExitCode"], types: ["Command", "MainOptions"] },
  "@troupe/testkit": {
    values: ["brokerConformance", "transportConformance", "resultBackendConformance", "rateLimiterBackendConformance"],
    types: ["BrokerTarget", "TransportConformanceOptions"],
  },
};

/**
 * The entry points a packed manifest's `exports` declares (`./package.json`
 * aside): `{ specifier, requireable }`, the latter when it has a `require` condition.
 */
export function entryPoints(packed) {
  return Object.entries(packed.exports ?? { ".": { require: packed.main } })
    .filter(([subpath]) => subpath !== "./package.json")
    .map(([subpath, target]) => ({
      specifier: subpath === "." ? packed.name : `${packed.name}${subpath.slice(1)}`,
      requireable: JSON.stringify(target).includes('"require"'),
    }));
}

/** An ES module that imports `specifier` and fails unless every listed value export is defined. */
export function esmCheck(specifier) {
  return `import * as entry from ${JSON.stringify(specifier)};
const missing = ${JSON.stringify(EXPORTS[specifier].values)}.filter((name) => entry[name] === undefined);
if (missing.length > 0) throw new Error(${JSON.stringify(`import of ${specifier} lacks `)} + missing.join(", "));
`;
}

/** The CommonJS counterpart of `esmCheck`. */
export function cjsCheck(specifier) {
  return `const entry = require(${JSON.stringify(specifier)});
const missing = ${JSON.stringify(EXPORTS[specifier].values)}.filter((name) => entry[name] === undefined);
if (missing.length > 0) throw new Error(${JSON.stringify(`require of ${specifier} lacks `)} + missing.join(", "));
`;
}

/** A TypeScript module that uses every listed value and type export of the `specifiers`. */
export function typeUsage(specifiers) {
  const lines = [];
  const uses = [];
  const typeUses = [];
  specifiers.forEach((specifier, index) => {
    const { values, types } = EXPORTS[specifier];
    const aliases = [...values.map((name) => `${name} as v${index}_${name}`), ...types.map((name) => `type ${name} as t${index}_${name}`)];
    lines.push(`import { ${aliases.join(", ")} } from ${JSON.stringify(specifier)};`);
    uses.push(...values.map((name) => `v${index}_${name}`));
    typeUses.push(...types.map((name) => `t${index}_${name}`));
  });
  lines.push(`export const values = [${uses.join(", ")}] as const;`);
  lines.push(`export type Types = [${typeUses.join(", ")}];`);
  return `${lines.join("\n")}\n`;
}
