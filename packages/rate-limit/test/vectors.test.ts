import {
  Barrier,
  BucketRateLimiter,
  ConcurrentRateLimiter,
  GROUP_BARRIER_TTL,
  GroupCallbacks,
  WindowRateLimiter,
} from "@troupe/rate-limit";
import { MemcachedRateLimiterBackend } from "@troupe/rate-limit/memcached";
import { RedisRateLimiterBackend } from "@troupe/rate-limit/redis";
import { memcachedMeta } from "@troupe/testkit";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { loadProtocolVector } from "../../../fixtures/protocol-vectors.js";
import { uniqueKey as freshKey } from "./helpers.ts";

// Real bytes from Dramatiq 2.2.
const vectors = loadProtocolVector<any>("rate-limits.json");

afterEach(() => {
  vi.useRealTimers();
});

describe("Redis keys match Dramatiq's", () => {
  const backend = new RedisRateLimiterBackend({ url: "redis://127.0.0.1:6379" });
  const redis = backend.client;
  const created: string[] = [];
  const key = (label: string) => {
    const k = freshKey(label);
    created.push(k);
    return k;
  };
  afterAll(async () => {
    const all = (await Promise.all(created.map((k) => redis.keys(`${k}*`)))).flat();
    if (all.length) await redis.del(...all);
    await backend.close();
  });

  const dump = async (k: string) => ({ type: await redis.type(k), pttl: await redis.pttl(k), value: await redis.get(k) });

  it("concurrent: a decimal string with a PX TTL, unchanged by a refusal", async () => {
    const steps = vectors.redis.concurrent.steps;
    const k = key("concurrent");
    const limiter = new ConcurrentRateLimiter(backend, k, { limit: 2 });
    expect(await limiter.tryAcquire()).toBe(true);
    const first = await dump(k);
    expect(first).toMatchObject({ type: steps[0].keys[0].type, value: steps[0].keys[0].value });
    expect(first.pttl).toBeGreaterThan(899_000);
    expect(first.pttl).toBeLessThanOrEqual(steps[0].keys[0].pttl);
    // Holder deadlines live beside the counter, in a key Dramatiq never reads; the counter keeps its meaning.
    expect(await redis.type(`${k}@holders`)).toBe("zset");
    expect(await redis.zcard(`${k}@holders`)).toBe(1);
    expect(await limiter.tryAcquire()).toBe(true);
    expect((await dump(k)).value).toBe(steps[1].keys[0].value);
    expect(await limiter.tryAcquire()).toBe(steps[2].acquired);
    expect((await dump(k)).value).toBe(steps[2].keys[0].value);
    await limiter.release();
    await limiter.release();
    expect((await dump(k)).value).toBe(steps[3].keys[0].value);
  });

  it("bucket: key@<bucket start ms> with the bucket as TTL", async () => {
    const vector = vectors.redis.bucket;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(vector.now_ms);
    const k = key("bucket");
    const limiter = new BucketRateLimiter(backend, k, { limit: 2, bucket: 60_000 });
    const acquired = [await limiter.tryAcquire(), await limiter.tryAcquire(), await limiter.tryAcquire()];
    expect(acquired).toEqual(vector.acquired);
    const expected = vector.keys[0];
    const stored = await dump(`${k}${expected.key.slice(expected.key.indexOf("@"))}`);
    expect(stored).toMatchObject({ type: expected.type, value: expected.value });
    expect(stored.pttl).toBeGreaterThan(59_000);
  });

  it("window: one key per unix second, TTL the window", async () => {
    const vector = vectors.redis.window;
    const [first, second] = vector.unix_seconds as number[];
    vi.useFakeTimers({ toFake: ["Date"] });
    const k = key("window");
    const limiter = new WindowRateLimiter(backend, k, { limit: 3, window: 5000 });
    vi.setSystemTime(first * 1000 + 100);
    const acquired = [await limiter.tryAcquire()];
    vi.setSystemTime(second * 1000 + 100);
    for (let i = 0; i < 3; i++) acquired.push(await limiter.tryAcquire());
    expect(acquired).toEqual(vector.acquired);
    for (const expected of vector.keys) {
      const stored = await dump(`${k}${expected.key.slice(expected.key.indexOf("@"))}`);
      expect(stored).toMatchObject({ type: expected.type, value: expected.value });
      expect(stored.pttl).toBeGreaterThan(4000);
      expect(stored.pttl).toBeLessThanOrEqual(5000);
    }
  });

  it("barrier: counter stays at 1 once cleared and every later wait pushes one more x on key@events", async () => {
    const steps = vectors.redis.barrier.steps;
    const k = key("barrier");
    const barrier = new Barrier(backend, k, { ttl: 900_000 });
    expect(await barrier.create(3)).toBe(steps[0].returned);
    expect(await barrier.create(3)).toBe(steps[1].returned);
    for (const step of steps.slice(2)) {
      expect(await barrier.wait({ block: false })).toBe(step.returned);
      expect(await redis.get(k)).toBe(step.keys[0].value);
      const events = step.keys[1];
      if (events) {
        expect(await redis.type(`${k}@events`)).toBe(events.type);
        expect(await redis.lrange(`${k}@events`, 0, -1)).toEqual(events.value);
        expect(await redis.pttl(`${k}@events`)).toBeGreaterThan(899_000);
      } else {
        expect(await redis.exists(`${k}@events`)).toBe(0);
      }
    }
  });

  it("barrier: a two-digit counter decrements to a plain decimal", async () => {
    const k = key("barrier10");
    const barrier = new Barrier(backend, k, { ttl: 900_000 });
    await barrier.create(10);
    await barrier.wait({ block: false });
    expect(await redis.get(k)).toBe(vectors.redis.barrier_two_digit_decrement.keys[0].value);
  });

  it("group completion barrier: the bare uuid with a one-day TTL by default", async () => {
    const vector = vectors.redis.group_completion_barrier;
    const middleware = new GroupCallbacks({ backend });
    expect(middleware.barrierTtl).toBe(GROUP_BARRIER_TTL);
    const uuid = key("group");
    await middleware.barrier(uuid).create(2);
    expect(await redis.get(uuid)).toBe(vector.steps[0].keys[0].value);
    expect(await redis.pttl(uuid)).toBeGreaterThan(vector.steps[0].keys[0].pttl - 60_000);
    expect(await redis.pttl(uuid)).toBeLessThanOrEqual(86_400_000);
  });
});

describe("memcached items match Dramatiq's (pylibmc)", () => {
  const backend = new MemcachedRateLimiterBackend({ servers: "127.0.0.1:11211" });
  const created: string[] = [];
  const uniqueKey = (label: string) => {
    const k = freshKey(label);
    created.push(k);
    return k;
  };
  afterAll(async () => {
    // Counters here live up to 15 minutes, as in the vectors: remove every key this suite may have made.
    const suffixes = [
      "",
      "@events",
      ...[vectors.memcached.bucket, vectors.memcached.window].flatMap((v) =>
        v.keys.map((i: { key: string }) => i.key.slice(i.key.indexOf("@"))),
      ),
    ];
    await Promise.all(created.flatMap((k) => suffixes.map((suffix) => backend.client.delete(`${k}${suffix}`))));
    await backend.close();
  });

  it("concurrent: integer flags 4, the TTL in seconds, and a refusal rolled back", async () => {
    const steps = vectors.memcached.concurrent.steps;
    const k = uniqueKey("concurrent");
    const limiter = new ConcurrentRateLimiter(backend, k, { limit: 2 });
    expect(await limiter.tryAcquire()).toBe(true);
    const first = await memcachedMeta(k);
    expect(first).toMatchObject({ value: steps[0].keys[0].value, flags: steps[0].keys[0].flags });
    expect(first?.ttl).toBeGreaterThanOrEqual(899);
    expect(first?.ttl).toBeLessThanOrEqual(900);
    expect(await limiter.tryAcquire()).toBe(true);
    expect(await limiter.tryAcquire()).toBe(steps[2].acquired);
    // Dramatiq leaves the refused increment in place ("3"), which costs a slot until
    // the key expires; Troupe undoes it (docs/protocol.md §7 [better]).
    expect(steps[2].keys[0].value).toBe("3");
    expect((await memcachedMeta(k))?.value).toBe("2");
    await limiter.release();
    await limiter.release();
    expect(await memcachedMeta(k)).toMatchObject({ value: "0", flags: 4 });
  });

  it("bucket and window: integer flags 4 and whole-second TTLs", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(vectors.memcached.bucket.now_ms);
    const bucketKey = uniqueKey("bucket");
    const bucket = new BucketRateLimiter(backend, bucketKey, { limit: 2, bucket: 60_000 });
    expect([await bucket.tryAcquire(), await bucket.tryAcquire(), await bucket.tryAcquire()]).toEqual(vectors.memcached.bucket.acquired);
    const expected = vectors.memcached.bucket.keys[0];
    const stored = await memcachedMeta(`${bucketKey}${expected.key.slice(expected.key.indexOf("@"))}`);
    expect(stored).toMatchObject({ value: "2", flags: expected.flags });
    expect(stored?.ttl).toBeLessThanOrEqual(expected.ttl_seconds_remaining);

    const [first, second] = vectors.memcached.window.unix_seconds as number[];
    const windowKey = uniqueKey("window");
    const window = new WindowRateLimiter(backend, windowKey, { limit: 3, window: 5000 });
    vi.setSystemTime(first * 1000 + 100);
    const acquired = [await window.tryAcquire()];
    vi.setSystemTime(second * 1000 + 100);
    for (let i = 0; i < 3; i++) acquired.push(await window.tryAcquire());
    expect(acquired).toEqual(vectors.memcached.window.acquired);
    for (const item of vectors.memcached.window.keys) {
      const got = await memcachedMeta(`${windowKey}${item.key.slice(item.key.indexOf("@"))}`);
      expect(got).toMatchObject({ value: item.value, flags: item.flags });
      expect(got?.ttl).toBeGreaterThanOrEqual(4);
      expect(got?.ttl).toBeLessThanOrEqual(5);
    }
  });

  it("barrier: the counter goes down to 0 and stays cleared", async () => {
    const steps = vectors.memcached.barrier.steps;
    const k = uniqueKey("barrier");
    const barrier = new Barrier(backend, k, { ttl: 900_000 });
    expect(await barrier.create(3)).toBe(steps[0].returned);
    expect(await barrier.create(3)).toBe(steps[1].returned);
    for (const step of steps.slice(2)) {
      expect(await barrier.wait({ block: false })).toBe(step.returned);
      expect(await memcachedMeta(k)).toMatchObject({ value: step.keys[0].value, flags: step.keys[0].flags });
    }
  });

  it("barrier: a decrement that loses a digit leaves '9 ', which still counts as 9", async () => {
    const k = uniqueKey("barrier10");
    const barrier = new Barrier(backend, k, { ttl: 900_000 });
    await barrier.create(10);
    await barrier.wait({ block: false });
    const expected = vectors.memcached.barrier_two_digit_decrement.keys[0];
    expect(await memcachedMeta(k)).toMatchObject({ value: expected.value, flags: expected.flags });
    for (let i = 0; i < 8; i++) expect(await barrier.wait({ block: false })).toBe(false);
    expect(await barrier.wait({ block: false })).toBe(true);
  });

  it("incr and decr keep the item's TTL, as memcached does", async () => {
    const k = uniqueKey("ttl-kept");
    expect(await backend.add(k, 1, 900_000)).toBe(true);
    expect(await backend.incr(k, 1, 5, 10_000)).toBe(true);
    expect(await backend.decr(k, 1, 0, 10_000)).toBe(true);
    expect((await memcachedMeta(k))?.ttl).toBeGreaterThan(10);
  });
});
