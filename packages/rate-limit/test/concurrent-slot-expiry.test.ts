import { ConcurrentRateLimiter, MemoryRateLimiterBackend, type RateLimiterBackend } from "@troupe/rate-limit";
import { MemcachedRateLimiterBackend } from "@troupe/rate-limit/memcached";
import { RedisRateLimiterBackend } from "@troupe/rate-limit/redis";
import { afterAll, describe, expect, it } from "vitest";
import { uniqueKey } from "./helpers.ts";

const TTL = 2000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A limiter of 1 whose only slot a holder took and never gives back (it "died"), while
 * another user keeps calling `acquire` every few ms: resolves with how long after the
 * dead holder's acquisition the other user first got the slot.
 */
async function slotReturnsAfter(backend: RateLimiterBackend, giveUpAfter: number): Promise<number> {
  const key = uniqueKey("dead-holder");
  const dead = new ConcurrentRateLimiter(backend, key, { limit: 1, ttl: TTL });
  const live = new ConcurrentRateLimiter(backend, key, { limit: 1, ttl: TTL });
  const acquiredAt = Date.now();
  expect(await dead.tryAcquire()).toBe(true);
  while (Date.now() - acquiredAt < giveUpAfter) {
    if (await live.acquire(() => true, { raiseOnFailure: false })) return Date.now() - acquiredAt;
    await sleep(5);
  }
  throw new Error(`the slot did not come back within ${giveUpAfter} ms`);
}

describe("a dead holder's ConcurrentRateLimiter slot, under continuous use", () => {
  const redis = new RedisRateLimiterBackend({ url: "redis://127.0.0.1:6379" });
  const memcached = new MemcachedRateLimiterBackend({ servers: "127.0.0.1:11211" });
  afterAll(async () => {
    await redis.close();
    await memcached.close();
  });

  it.each([
    ["memory", () => new MemoryRateLimiterBackend()],
    ["redis", () => redis],
  ])("comes back within its TTL on %s, not before", async (_name, backend) => {
    const after = await slotReturnsAfter(backend(), TTL * 4);
    expect(after).toBeGreaterThanOrEqual(TTL - 50);
    expect(after).toBeLessThanOrEqual(TTL + 1000);
  });

  it("on memcached, comes back only when the whole counter expires (its TTL runs from creation, in whole seconds)", async () => {
    // memcached keeps no per-holder deadlines; incr/decr leave the item's TTL alone, so the
    // counter (live holders included) vanishes one TTL after it was created. Its clock ticks in
    // whole seconds, so that may be up to a second early.
    const after = await slotReturnsAfter(memcached, TTL * 4);
    expect(after).toBeGreaterThanOrEqual(TTL - 1000);
    expect(after).toBeLessThanOrEqual(TTL + 2000);
  });
});
