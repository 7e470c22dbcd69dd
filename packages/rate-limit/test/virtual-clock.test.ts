import { actor, consoleLogger } from "@troupe/core";
import { TestBroker, VirtualClock } from "@troupe/core/testing";
import { BucketRateLimiter, ConcurrentRateLimiter, MemoryRateLimiterBackend, WindowRateLimiter } from "@troupe/rate-limit";
import { describe, expect, it } from "vitest";

// Far from the real time, and on a whole hour: a limiter reading Date.now() instead of the backend's clock would miss every step.
const START = Date.UTC(2030, 0, 1);

describe("limiters on a memory backend with a virtual clock", () => {
  it("a window limiter slides its window of seconds on the backend's clock", async () => {
    const clock = new VirtualClock(START + 200);
    const limiter = new WindowRateLimiter(new MemoryRateLimiterBackend({ clock }), "window", { limit: 3, window: 5_000 });
    expect(await limiter.tryAcquire()).toBe(true);
    clock.advance(1_700);
    expect(await limiter.tryAcquire()).toBe(true);
    expect(await limiter.tryAcquire()).toBe(true);
    expect(await limiter.tryAcquire()).toBe(false);
    // The first second leaves the window when the sixth begins.
    clock.advance(3_099);
    expect(await limiter.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(await limiter.tryAcquire()).toBe(true);
  });

  it("a bucket limiter starts over in the next bucket of the backend's clock", async () => {
    const clock = new VirtualClock(START);
    const limiter = new BucketRateLimiter(new MemoryRateLimiterBackend({ clock }), "bucket", { limit: 2, bucket: 60_000 });
    expect(await limiter.tryAcquire()).toBe(true);
    expect(await limiter.tryAcquire()).toBe(true);
    expect(await limiter.tryAcquire()).toBe(false);
    clock.advance(59_999);
    expect(await limiter.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(await limiter.tryAcquire()).toBe(true);
  });

  it("a concurrent limiter frees a crashed holder's slot after its ttl on the backend's clock", async () => {
    const clock = new VirtualClock(START);
    const limiter = new ConcurrentRateLimiter(new MemoryRateLimiterBackend({ clock }), "mutex", { limit: 1, ttl: 30_000 });
    expect(await limiter.tryAcquire()).toBe(true);
    clock.advance(29_999);
    expect(await limiter.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(await limiter.tryAcquire()).toBe(true);
  });

  it("under a TestBroker, an actor over its limit is retried until the next bucket, in virtual time", async () => {
    const broker = new TestBroker({ logger: consoleLogger("silent"), startTime: START });
    const limiter = new BucketRateLimiter(new MemoryRateLimiterBackend({ clock: broker.clock }), "calls", { limit: 1, bucket: 3_600_000 });
    const ranAt: number[] = [];
    const call = actor("call", () => limiter.acquire(() => void ranAt.push(broker.clock.now() - START)), { broker, minBackoff: 60_000 });
    await call.sendMany([[], []]);
    const summary = await broker.drain();
    expect(ranAt[0]).toBe(0);
    expect(ranAt[1]).toBeGreaterThanOrEqual(3_600_000);
    expect(summary.retried).toBeGreaterThanOrEqual(1);
    expect(summary.failed).toBe(summary.retried);
  });
});
