import { actor, currentMessage, InvalidOption, MemoryBroker, RateLimitExceeded } from "@troupe/core";
import { ConcurrentRateLimiter, MemoryRateLimiterBackend, RateLimits } from "@troupe/rate-limit";
import { afterEach, describe, expect, it } from "vitest";
import { brokerWith, uniqueKey, until } from "./helpers.ts";

describe("RateLimits middleware (actor option rateLimit)", () => {
  let h = brokerWith(new RateLimits());
  afterEach(async () => {
    await h.stop();
    h = brokerWith(new RateLimits());
  });

  it('"retry" retries a limited message with backoff until a slot frees', async () => {
    const limiter = new ConcurrentRateLimiter(new MemoryRateLimiterBackend(), uniqueKey("retry"));
    const runs: number[] = [];
    const limited = actor("limited_retry", () => void runs.push((currentMessage().message.options.retries as number) ?? 0), {
      broker: h.broker,
      rateLimit: { limiter, onExceeded: "retry" },
      maxRetries: 100,
      minBackoff: 10,
      maxBackoff: 20,
    });
    expect(await limiter.tryAcquire()).toBe(true);
    await h.start();
    await limited.send();
    await until(() => h.logs.some((log) => log.text.includes("RateLimitExceeded")), "the first refusal");
    expect(runs).toEqual([]);
    await limiter.release();
    await h.broker.join(limited.queueName, { timeout: 10_000 });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toBeGreaterThanOrEqual(1);
    expect(h.broker.deadLetters).toEqual([]);
  });

  it('"drop" skips and acks a limited message without running the actor', async () => {
    const limiter = new ConcurrentRateLimiter(new MemoryRateLimiterBackend(), uniqueKey("drop"));
    let runs = 0;
    const limited = actor("limited_drop", () => void runs++, { broker: h.broker, rateLimit: { limiter, onExceeded: "drop" } });
    expect(await limiter.tryAcquire()).toBe(true);
    await h.start();
    await limited.send();
    await h.broker.join(limited.queueName, { timeout: 10_000 });
    expect(runs).toBe(0);
    expect(h.broker.deadLetters).toEqual([]);
    // The dropped message took no slot: the one held above is still the only one.
    await limiter.release();
    expect(await limiter.tryAcquire()).toBe(true);
  });

  it("holds the slot while the actor runs and gives it back afterwards, also on failure", async () => {
    const limiter = new ConcurrentRateLimiter(new MemoryRateLimiterBackend(), uniqueKey("hold"), { limit: 2 });
    let inFlight = 0;
    let maxInFlight = 0;
    const work = actor(
      "limited_work",
      async (fail: boolean) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        if (fail) throw new Error("failed on purpose");
      },
      {
        broker: h.broker,
        rateLimit: { limiter },
        retryWhen: (_retries, error) => RateLimitExceeded.isInstance(error),
        minBackoff: 5,
        maxBackoff: 10,
      },
    );
    await h.start(8);
    await work.sendMany(Array.from({ length: 16 }, (_, i) => [i % 4 === 0] as [boolean]));
    await h.broker.join(work.queueName, { timeout: 30_000, failFast: false });
    expect(maxInFlight).toBeLessThanOrEqual(2);
    expect(h.broker.deadLetters).toHaveLength(4);
    // Every slot came back.
    expect([await limiter.tryAcquire(), await limiter.tryAcquire(), await limiter.tryAcquire()]).toEqual([true, true, false]);
  });

  it("rejects the option on a broker without the RateLimits middleware, naming it", () => {
    const limiter = new ConcurrentRateLimiter(new MemoryRateLimiterBackend(), "k");
    const bare = new MemoryBroker();
    const declare = () => actor("unlimited", () => {}, { broker: bare, rateLimit: { limiter } });
    expect(declare).toThrow(/RateLimits/);
    expect(declare).toThrow(InvalidOption);
  });
});

describe("RateLimitExceeded inside an actor", () => {
  const h = brokerWith();
  afterEach(() => h.stop());

  it("retries the message with backoff and logs it quietly (debug only)", async () => {
    const limiter = new ConcurrentRateLimiter(new MemoryRateLimiterBackend(), uniqueKey("inside"));
    let runs = 0;
    const guarded = actor("guarded", () => limiter.acquire(() => void runs++), {
      broker: h.broker,
      maxRetries: 100,
      minBackoff: 10,
      maxBackoff: 20,
    });
    expect(await limiter.tryAcquire()).toBe(true);
    await h.start();
    await guarded.send();
    await until(() => h.logs.filter((log) => log.text.includes("RateLimitExceeded")).length >= 2, "two refusals");
    await limiter.release();
    await h.broker.join(guarded.queueName, { timeout: 10_000 });
    expect(runs).toBe(1);
    const mentions = h.logs.filter((log) => log.text.includes("RateLimitExceeded"));
    expect(mentions.every((log) => log.level === "debug")).toBe(true);
    expect(mentions[0].text).toMatch(/retry 1/);
    expect(new RateLimitExceeded("x").code).toBe("RATE_LIMIT_EXCEEDED");
  });
});
