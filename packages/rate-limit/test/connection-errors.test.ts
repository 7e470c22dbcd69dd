import { ConnectionError } from "@troupe/core";
import { MemcachedRateLimiterBackend } from "@troupe/rate-limit/memcached";
import { RedisRateLimiterBackend } from "@troupe/rate-limit/redis";
import { describe, expect, it } from "vitest";

describe("an unreachable store", () => {
  it("Redis: operations fail with ConnectionError carrying the driver error", async () => {
    const backend = new RedisRateLimiterBackend({
      url: "redis://127.0.0.1:1",
      redisOptions: { maxRetriesPerRequest: 0, retryStrategy: () => null },
    });
    try {
      const error = await backend.add("k", 1, 1000).catch((e: unknown) => e);
      expect(ConnectionError.isInstance(error)).toBe(true);
      expect((error as ConnectionError).cause).toBeDefined();
    } finally {
      await backend.close();
    }
  });

  it("Redis: an operation waits at most connectTimeout, and the error names the URL without its password", async () => {
    const backend = new RedisRateLimiterBackend({ url: "redis://:s3cret@127.0.0.1:1/0", connectTimeout: 300 });
    try {
      const started = performance.now();
      const error = await backend.incr("k", 1, 1, 1000).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(ConnectionError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(
        /^rate limiter incr failed: could not reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0 within 300 ms/,
      );
      expect((error as Error).message).not.toContain("s3cret");
    } finally {
      await backend.close();
    }
  });

  it("memcached: operations fail with ConnectionError carrying the driver error", async () => {
    const backend = new MemcachedRateLimiterBackend({ servers: "127.0.0.1:1", timeout: 0.2 });
    try {
      const error = await backend.incr("k", 1, 1, 1000).catch((e: unknown) => e);
      expect(ConnectionError.isInstance(error)).toBe(true);
      expect((error as ConnectionError).cause).toBeDefined();
    } finally {
      await backend.close();
    }
  });
});
