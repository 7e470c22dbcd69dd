import { describe, expect, it } from "vitest";
import { actor, computeBackoff, currentMessage, Retry } from "../src/index.js";
import { until, useHarness } from "./harness.js";

describe("Retries", () => {
  const current = useHarness();

  it("retries up to maxRetries, then dead-letters the copy as last enqueued", async () => {
    const h = current();
    let runs = 0;
    const fails = actor(
      "fails",
      () => {
        runs++;
        throw new Error("always");
      },
      { broker: h.broker, maxRetries: 2, minBackoff: 1, maxBackoff: 5 },
    );
    await h.start();
    const sent = await fails.send();
    await h.broker.join("default", { timeout: 5_000, failFast: false });
    expect(runs).toBe(3);
    expect(h.broker.deadLetters).toHaveLength(1);
    const dead = h.broker.deadLetters[0];
    expect(dead.messageId).toBe(sent.messageId);
    expect(dead.options.retries).toBe(2);
    expect(h.logs.some((l) => l.startsWith("error") && l.includes("dead-lettering"))).toBe(true);
  });

  it("does not retry errors the actor throws", async () => {
    const h = current();
    class PaymentDeclined extends Error {}
    let runs = 0;
    const charge = actor(
      "charge",
      () => {
        runs++;
        throw new PaymentDeclined("declined");
      },
      { broker: h.broker, maxRetries: 5, minBackoff: 1, throws: PaymentDeclined },
    );
    await h.start();
    await charge.send();
    await h.broker.join("default", { timeout: 5_000, failFast: false });
    expect(runs).toBe(1);
    expect(h.broker.deadLetters).toHaveLength(1);
  });

  it("does not retry an error with retryable: false, whatever maxRetries and retryWhen say", async () => {
    const h = current();
    let runs = 0;
    const final = actor(
      "final",
      () => {
        runs++;
        throw Object.assign(new Error("aborted"), { retryable: false });
      },
      { broker: h.broker, maxRetries: 5, minBackoff: 1, retryWhen: () => true },
    );
    await h.start();
    await final.send();
    await h.broker.join("default", { timeout: 5_000, failFast: false });
    expect(runs).toBe(1);
    expect(h.broker.deadLetters).toHaveLength(1);
    expect(h.logs.some((l) => l.includes("which is never retried: dead-lettering it"))).toBe(true);
  });

  it("honours Retry({ delay }) instead of the backoff", async () => {
    const h = current();
    const runs: number[] = [];
    const later = actor(
      "later",
      () => {
        runs.push(Date.now());
        if (runs.length === 1) throw new Retry({ delay: 300 });
      },
      { broker: h.broker, minBackoff: 60_000 },
    );
    await h.start();
    await later.send();
    await until(() => runs.length === 2, "the retry ran", 5_000);
    expect(runs[1] - runs[0]).toBeGreaterThanOrEqual(300);
    expect(h.broker.deadLetters).toHaveLength(0);
  });

  it("lets retryWhen decide, given the earlier retries and the error", async () => {
    const h = current();
    const seen: [number, string][] = [];
    const picky = actor(
      "picky",
      () => {
        throw new Error(`attempt ${currentMessage().message.options.retries ?? 0}`);
      },
      {
        broker: h.broker,
        minBackoff: 1,
        retryWhen: (retries, error) => {
          seen.push([retries, (error as Error).message]);
          return retries < 1;
        },
      },
    );
    await h.start();
    await picky.send();
    await h.broker.join("default", { timeout: 5_000, failFast: false });
    expect(seen).toEqual([
      [0, "attempt 0"],
      [1, "attempt 1"],
    ]);
    expect(h.broker.deadLetters).toHaveLength(1);
  });

  it("reads max_retries: null on a wire message as unlimited retries, as Dramatiq does, over the actor's own limit", async () => {
    const h = current();
    let runs = 0;
    actor(
      "stubborn",
      () => {
        runs++;
        if (runs <= 25) throw new Error(`attempt ${runs}`);
      },
      { broker: h.broker, maxRetries: 2 },
    );
    const raw = JSON.stringify({
      queue_name: "default",
      actor_name: "stubborn",
      args: [],
      kwargs: {},
      options: { max_retries: null, min_backoff: 1, max_backoff: 2 },
      message_id: "4f1b7c9e-0d1a-4a8e-9c43-2b7d6f0e5a11",
      message_timestamp: Date.now(),
    });
    h.broker.enqueueRaw("default", raw);
    await h.start();
    await until(() => runs === 26, "the 26th attempt ran", 15_000);
    await h.broker.join("default", { timeout: 5_000 });
    expect(runs).toBe(26);
    expect(h.broker.deadLetters).toHaveLength(0);
  });

  it("computes the protocol's backoff: min × 2^retries × U(1,2), capped to max × U(0.5,1)", () => {
    expect(computeBackoff(0, 100, 1e6, () => 0)).toBe(100);
    expect(computeBackoff(3, 100, 1e6, () => 1)).toBe(1600);
    expect(computeBackoff(40, 100, 1e12, () => 0)).toBe(100 * 2 ** 32);
    expect(computeBackoff(20, 100, 1000, () => 0)).toBe(500);
    expect(computeBackoff(20, 100, 1000, () => 1)).toBe(1000);
  });
});
