import { fileURLToPath } from "node:url";
import { MemoryRateLimiterBackend } from "@troupe/core";
import { MemcachedRateLimiterBackend } from "@troupe/rate-limit/memcached";
import { RedisRateLimiterBackend } from "@troupe/rate-limit/redis";
import { rateLimiterBackendConformance } from "@troupe/testkit";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const memory = new MemoryRateLimiterBackend();
rateLimiterBackendConformance("memory", () => memory);
rateLimiterBackendConformance("redis", () => new RedisRateLimiterBackend({ url: "redis://127.0.0.1:6379" }), {
  processes: { module: fixture("redis-backend.ts") },
});
rateLimiterBackendConformance("memcached", () => new MemcachedRateLimiterBackend({ servers: "127.0.0.1:11211" }), {
  processes: { module: fixture("memcached-backend.ts") },
  slotExpiry: false,
});
