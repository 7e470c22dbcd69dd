import { actor, InvalidOption, MemoryRateLimiterBackend } from "@troupe/core";
import { BucketRateLimiter, ConcurrentRateLimiter, RateLimits, WindowRateLimiter } from "@troupe/rate-limit";
import { MemcachedRateLimiterBackend } from "@troupe/rate-limit/memcached";
import { RedisRateLimiterBackend } from "@troupe/rate-limit/redis";
import { Redis } from "ioredis";
import memjs from "memjs";
import { afterEach, describe, expect, it } from "vitest";
import { brokerWith, uniqueKey } from "./helpers.ts";

const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";
const backend = new MemoryRateLimiterBackend();

describe("rate-limit options", () => {
  it.each<[string, () => unknown, string]>([
    [
      "RedisRateLimiterBackend",
      // @ts-expect-error: an unknown option
      () => new RedisRateLimiterBackend({ redis_options: {} }),
      'unknown option "redis_options" for RedisRateLimiterBackend; did you mean "redisOptions"?',
    ],
    [
      "MemcachedRateLimiterBackend",
      // @ts-expect-error: an unknown option
      () => new MemcachedRateLimiterBackend({ severs: "127.0.0.1:11211" }),
      'unknown option "severs" for MemcachedRateLimiterBackend; did you mean "servers"?',
    ],
    [
      "ConcurrentRateLimiter",
      // @ts-expect-error: an unknown option
      () => new ConcurrentRateLimiter(backend, "k", { limt: 2 }),
      'unknown option "limt" for ConcurrentRateLimiter; did you mean "limit"?',
    ],
    [
      "BucketRateLimiter",
      // @ts-expect-error: an unknown option
      () => new BucketRateLimiter(backend, "k", { limit: 1, buckets: 1000 }),
      'unknown option "buckets" for BucketRateLimiter; did you mean "bucket"?',
    ],
    [
      "WindowRateLimiter",
      // @ts-expect-error: an unknown option
      () => new WindowRateLimiter(backend, "k", { limit: 1, windw: 1000 }),
      'unknown option "windw" for WindowRateLimiter; did you mean "window"?',
    ],
  ])("%s refuses an unknown option, naming it and the option meant", (_name, create, message) => {
    expect(create).toThrow(InvalidOption);
    expect(create).toThrow(message);
  });

  it("the backends and limiters accept every option they document", async () => {
    const redisClient = new Redis(REDIS_URL, { lazyConnect: true });
    const redis = new RedisRateLimiterBackend({
      url: REDIS_URL,
      client: redisClient,
      redisOptions: {},
      connectTimeout: 1_000,
      maxIdleWaitConnections: 1,
    });
    expect(redis.client).toBe(redisClient);
    await redis.close();
    redisClient.disconnect();
    const memcachedClient = memjs.Client.create("127.0.0.1:11211", { logger: { log() {} } });
    const memcached = new MemcachedRateLimiterBackend({ servers: "127.0.0.1:11211", client: memcachedClient, timeout: 1 });
    expect(memcached.client).toBe(memcachedClient);
    await memcached.close();
    memcachedClient.close();
    const limiters = [
      new ConcurrentRateLimiter(backend, "k", { limit: 2, ttl: 1_000 }),
      new BucketRateLimiter(backend, "k", { limit: 2, bucket: 1_000 }),
      new WindowRateLimiter(backend, "k", { limit: 2, window: 1_000 }),
    ];
    expect(limiters.map((limiter) => limiter.limit)).toEqual([2, 2, 2]);
  });

  it("acquire refuses an unknown option and accepts raiseOnFailure", async () => {
    const limiter = new ConcurrentRateLimiter(backend, uniqueKey("acquire"));
    // @ts-expect-error: an unknown option
    await expect(limiter.acquire(() => 1, { raise: false })).rejects.toThrow(
      'unknown option "raise" for RateLimiter.acquire; did you mean "raiseOnFailure"?',
    );
    expect(await limiter.acquire(() => 1, { raiseOnFailure: false })).toBe(1);
  });
});

describe("the rateLimit actor option", () => {
  let h = brokerWith(new RateLimits());
  afterEach(async () => {
    await h.stop();
    h = brokerWith(new RateLimits());
  });

  it("is accepted, as the RateLimits middleware declares it, on actors and refused mistyped", () => {
    const limiter = new ConcurrentRateLimiter(backend, uniqueKey("declared"));
    const limited = actor("limited", () => {}, { broker: h.broker, rateLimit: { limiter, onExceeded: "drop" } });
    expect(h.broker.actors.get("limited")).toBe(limited);
    // @ts-expect-error: an unknown option
    const mistyped = () => actor("mistyped", () => {}, { broker: h.broker, ratelimit: { limiter } });
    expect(mistyped).toThrow('unknown option "ratelimit" for actor "mistyped"; did you mean "rateLimit"?');
  });

  it("refuses an unknown key inside the option, naming the actor", () => {
    const limiter = new ConcurrentRateLimiter(backend, uniqueKey("inside"));
    // @ts-expect-error: an unknown option
    const declare = () => actor("inside", () => {}, { broker: h.broker, rateLimit: { limiter, onExceed: "drop" } });
    expect(declare).toThrow(InvalidOption);
    expect(declare).toThrow('unknown option "onExceed" for the rateLimit option of actor "inside"; did you mean "onExceeded"?');
    expect(h.broker.actors.has("inside")).toBe(false);
  });
});
