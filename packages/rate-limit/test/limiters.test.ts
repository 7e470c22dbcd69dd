import {
  BucketRateLimiter,
  ConcurrentRateLimiter,
  MemoryRateLimiterBackend,
  RateLimitExceeded,
  WindowRateLimiter,
} from "@troupe/rate-limit";
import { afterEach, describe, expect, it, vi } from "vitest";
import { uniqueKey } from "./helpers.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("ConcurrentRateLimiter", () => {
  it("runs fn holding a slot and returns its result", async () => {
    const limiter = new ConcurrentRateLimiter(new MemoryRateLimiterBackend(), uniqueKey("mutex"));
    const inside = await limiter.acquire(async () => {
      expect(await limiter.tryAcquire()).toBe(false);
      return "done";
    });
    expect(inside).toBe("done");
    expect(await limiter.tryAcquire()).toBe(true);
  });

  it("throws RateLimitExceeded when no slot is free", async () => {
    const limiter = new ConcurrentRateLimiter(new MemoryRateLimiterBackend(), uniqueKey("full"), { limit: 2 });
    expect(await limiter.tryAcquire()).toBe(true);
    expect(await limiter.tryAcquire()).toBe(true);
    const fn = vi.fn();
    const error = await limiter.acquire(fn).catch((e: unknown) => e);
    expect(RateLimitExceeded.isInstance(error)).toBe(true);
    expect((error as RateLimitExceeded).code).toBe("RATE_LIMIT_EXCEEDED");
    expect(fn).not.toHaveBeenCalled();
  });

  it("with raiseOnFailure false returns undefined without running fn", async () => {
    const limiter = new ConcurrentRateLimiter(new MemoryRateLimiterBackend(), uniqueKey("quiet"));
    expect(await limiter.tryAcquire()).toBe(true);
    const fn = vi.fn(() => 1);
    expect(await limiter.acquire(fn, { raiseOnFailure: false })).toBeUndefined();
    expect(fn).not.toHaveBeenCalled();
  });

  it("gives the slot back when fn throws", async () => {
    const limiter = new ConcurrentRateLimiter(new MemoryRateLimiterBackend(), uniqueKey("throws"));
    await expect(
      limiter.acquire(() => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await limiter.tryAcquire()).toBe(true);
  });

  it("tryAcquire and release pair up by hand", async () => {
    const limiter = new ConcurrentRateLimiter(new MemoryRateLimiterBackend(), uniqueKey("manual"), { limit: 1 });
    expect(await limiter.tryAcquire()).toBe(true);
    expect(await limiter.tryAcquire()).toBe(false);
    await limiter.release();
    expect(await limiter.tryAcquire()).toBe(true);
  });

  it("rejects a limit below 1", () => {
    expect(() => new ConcurrentRateLimiter(new MemoryRateLimiterBackend(), "k", { limit: 0 })).toThrow(RangeError);
  });
});

describe("BucketRateLimiter", () => {
  it("allows limit acquisitions per bucket and starts over in the next bucket", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const limiter = new BucketRateLimiter(new MemoryRateLimiterBackend(), uniqueKey("bucket"), { limit: 2, bucket: 60_000 });
    vi.setSystemTime(1_795_564_439_000);
    expect(await limiter.tryAcquire()).toBe(true);
    expect(await limiter.tryAcquire()).toBe(true);
    expect(await limiter.tryAcquire()).toBe(false);
    vi.setSystemTime(1_795_564_440_000);
    expect(await limiter.tryAcquire()).toBe(true);
  });

  it("keys each bucket by its start in ms, as Dramatiq", () => {
    const limiter = new BucketRateLimiter(new MemoryRateLimiterBackend(), "k", { limit: 2, bucket: 60_000 });
    expect(limiter.keyAt(1_795_564_409_681)).toBe("k@1795564380000");
  });
});

describe("WindowRateLimiter", () => {
  it("counts acquisitions over the sliding window of seconds", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const limiter = new WindowRateLimiter(new MemoryRateLimiterBackend(), uniqueKey("window"), { limit: 3, window: 5000 });
    vi.setSystemTime(1_795_564_410_200);
    expect(await limiter.tryAcquire()).toBe(true);
    vi.setSystemTime(1_795_564_411_900);
    expect(await limiter.tryAcquire()).toBe(true);
    expect(await limiter.tryAcquire()).toBe(true);
    expect(await limiter.tryAcquire()).toBe(false);
    // Second 410 leaves the window when second 415 begins.
    vi.setSystemTime(1_795_564_414_999);
    expect(await limiter.tryAcquire()).toBe(false);
    vi.setSystemTime(1_795_564_415_000);
    expect(await limiter.tryAcquire()).toBe(true);
  });

  it("keys each second of the window, current first, as Dramatiq", () => {
    const limiter = new WindowRateLimiter(new MemoryRateLimiterBackend(), "k", { limit: 3, window: 3000 });
    expect(limiter.keysAt(1_795_564_411_500)).toEqual(["k@1795564411", "k@1795564410", "k@1795564409"]);
  });

  it("rejects a window that is not a multiple of 1000 ms", () => {
    expect(() => new WindowRateLimiter(new MemoryRateLimiterBackend(), "k", { limit: 1, window: 1500 })).toThrow(RangeError);
  });
});
