import { describe, expect, it } from "vitest";
import { actor, currentMessage, ResultFailure, TimeLimitExceeded } from "../src/index.js";
import { sleep, until, useHarness } from "./harness.js";

describe("TimeLimit and AgeLimit", () => {
  const current = useHarness();

  it("aborts the signal, fails the message with TimeLimitExceeded, retries it and frees the slot", async () => {
    const h = current();
    const reasons: unknown[] = [];
    let attempts = 0;
    const stuck = actor(
      "stuck",
      async () => {
        attempts++;
        const { signal } = currentMessage();
        signal.addEventListener("abort", () => reasons.push(signal.reason));
        await new Promise(() => {});
      },
      { broker: h.broker, timeLimit: 100, maxRetries: 1, minBackoff: 1, maxBackoff: 5 },
    );
    const quick: string[] = [];
    const other = actor("other", () => void quick.push("ran"), { broker: h.broker });
    await h.start({ concurrency: 1 });
    await stuck.send();
    await other.send();
    await h.broker.join("default", { timeout: 5_000, failFast: false });
    expect(attempts).toBe(2);
    expect(reasons).toHaveLength(2);
    expect(TimeLimitExceeded.isInstance(reasons[0])).toBe(true);
    expect(quick).toEqual(["ran"]);
    expect(h.broker.deadLetters.map((m) => m.actorName)).toEqual(["stuck"]);
  });

  it("dead-letters a message older than maxAge without running it, storing the SkipMessage marker", async () => {
    const h = current();
    let runs = 0;
    const stale = actor("stale", () => void runs++, { broker: h.broker, maxAge: 50, storeResults: true });
    const sent = await stale.send();
    await sleep(80);
    await h.start();
    await h.broker.join("default", { timeout: 5_000, failFast: false });
    expect(runs).toBe(0);
    expect(h.broker.deadLetters).toHaveLength(1);
    const error = await sent.getResult().catch((e: unknown) => e);
    expect(ResultFailure.isInstance(error)).toBe(true);
    expect((error as ResultFailure).errorType).toBe("SkipMessage");
    expect((error as ResultFailure).errorMessage).toBe("Message age limit exceeded");
  });

  it("runs a fresh message under its age limit", async () => {
    const h = current();
    const ran: number[] = [];
    const fresh = actor("fresh", (n: number) => void ran.push(n), { broker: h.broker, maxAge: 60_000 });
    await h.start();
    await fresh.send(1);
    await until(() => ran.length === 1, "the fresh message ran");
    expect(h.broker.deadLetters).toHaveLength(0);
  });
});
