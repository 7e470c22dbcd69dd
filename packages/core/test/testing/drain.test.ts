import { actor, actorRef, computeBackoff, currentMessage, SkipMessage, TimeLimitExceeded } from "@troupe/core";
import { UnrunnableMessages } from "@troupe/core/testing";
import { describe, expect, it } from "vitest";
import { testBroker } from "./support.js";

class PaymentDeclined extends Error {}

describe("TestBroker.drain", () => {
  it("runs queued and delayed messages in eta order, moving the clock from one to the next, and sums up", async () => {
    const { broker } = testBroker();
    const start = broker.clock.now();
    const ran: [string, number][] = [];
    const note = actor("note", (tag: string) => void ran.push([tag, broker.clock.now() - start]), { broker });
    await note.sendWithOptions({ args: ["in an hour"], delay: 3_600_000 });
    await note.send("now");
    await note.sendWithOptions({ args: ["in a minute"], delay: 60_000 });
    const summary = await broker.drain();
    expect(ran).toEqual([
      ["now", 0],
      ["in a minute", 60_000],
      ["in an hour", 3_600_000],
    ]);
    expect(summary).toEqual({ processed: 3, succeeded: 3, failed: 0, retried: 0, deadLettered: 0, virtualTimeMs: 3_600_000 });
  });

  it("resolves at once with nothing to do", async () => {
    const { broker } = testBroker();
    expect(await broker.drain()).toEqual({ processed: 0, succeeded: 0, failed: 0, retried: 0, deadLettered: 0, virtualTimeMs: 0 });
  });

  it("waits out each retry's backoff on the virtual clock", async () => {
    const { broker } = testBroker();
    const runs: number[] = [];
    const flaky = actor(
      "flaky",
      () => {
        runs.push(broker.clock.now());
        if (runs.length < 4) throw new Error("not yet");
      },
      { broker, minBackoff: 15_000 },
    );
    await flaky.send();
    const summary = await broker.drain();
    expect(runs).toHaveLength(4);
    for (let retry = 0; retry < 3; retry++) {
      // The protocol's backoff lies between minBackoff × 2^retries and twice that.
      const waited = runs[retry + 1] - runs[retry];
      expect(waited).toBeGreaterThanOrEqual(computeBackoff(retry, 15_000, Number.POSITIVE_INFINITY, () => 0));
      expect(waited).toBeLessThanOrEqual(computeBackoff(retry, 15_000, Number.POSITIVE_INFINITY, () => 1));
    }
    expect(summary).toMatchObject({ processed: 4, succeeded: 1, failed: 3, retried: 3, deadLettered: 0 });
    expect(summary.virtualTimeMs).toBe(runs[3] - runs[0]);
  });

  it("with failFast, rejects with the actor's own error (class, message and stack) at the first dead letter, and stops", async () => {
    const { broker } = testBroker();
    let thrown: PaymentDeclined | undefined;
    const charge = actor(
      "charge",
      (cents: number) => {
        thrown = new PaymentDeclined(`declined: ${cents}`);
        throw thrown;
      },
      { broker, throws: PaymentDeclined },
    );
    const later = actor("later", () => {}, { broker });
    await charge.send(500);
    await later.sendWithOptions({ args: [], delay: 60_000 });
    const error = await broker.drain().catch((e: unknown) => e);
    expect(error).toBe(thrown);
    expect(error).toBeInstanceOf(PaymentDeclined);
    expect((error as Error).message).toBe("declined: 500");
    expect((error as Error).stack).toBe(thrown?.stack);
    // It stopped there: the delayed message is still waiting.
    expect((await broker.queueStats("default")).delayed).toBe(1);
  });

  it("with failFast: false, runs to the end and counts the dead letters", async () => {
    const { broker } = testBroker();
    const charge = actor(
      "charge",
      () => {
        throw new PaymentDeclined("declined");
      },
      { broker, throws: PaymentDeclined },
    );
    const ok = actor("ok", () => {}, { broker });
    await charge.send();
    await ok.sendWithOptions({ args: [], delay: 60_000 });
    const summary = await broker.drain({ failFast: false });
    expect(summary).toEqual({ processed: 2, succeeded: 1, failed: 1, retried: 0, deadLettered: 1, virtualTimeMs: 60_000 });
    expect(broker.deadLettersByQueue("default").map((m) => m.actorName)).toEqual(["charge"]);
  });

  it("fails an actor that hangs at its time limit, reached on the virtual clock", async () => {
    const { broker } = testBroker();
    const start = broker.clock.now();
    const hangs = actor("hangs", () => new Promise(() => {}), { broker, timeLimit: 60_000, maxRetries: 0 });
    await hangs.send();
    const error = await broker.drain({ stallTimeout: 20 }).catch((e: unknown) => e);
    expect(TimeLimitExceeded.isInstance(error)).toBe(true);
    expect(broker.clock.now() - start).toBe(60_000);
  });

  it("dead-letters a message past its age limit when its delay ends, without running it", async () => {
    for (const failFast of [true, false]) {
      const { broker } = testBroker();
      let ran = false;
      const stale = actor(
        "stale",
        () => {
          ran = true;
        },
        { broker, maxAge: 1_000 },
      );
      await stale.sendWithOptions({ args: [], delay: 5_000 });
      const outcome = await broker.drain({ failFast }).catch((e: unknown) => e);
      if (failFast) expect(SkipMessage.isInstance(outcome)).toBe(true);
      else expect(outcome).toEqual({ processed: 1, succeeded: 0, failed: 1, retried: 0, deadLettered: 1, virtualTimeMs: 5_000 });
      expect(ran).toBe(false);
    }
  });

  it("holds the clock while an actor runs, however long it takes in real time", async () => {
    const { broker } = testBroker();
    const seen: number[] = [];
    const slow = actor(
      "slow",
      async () => {
        seen.push(broker.clock.now());
        await new Promise((resolve) => setTimeout(resolve, 50));
        seen.push(broker.clock.now());
      },
      { broker },
    );
    const later = actor("later", () => void seen.push(broker.clock.now()), { broker });
    await later.sendWithOptions({ args: [], delay: 10 });
    await slow.send();
    await broker.drain();
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).toBe(seen[0] + 10);
  });

  it("moves the clock for an actor that waits for virtual time: a result that a delayed message stores", async () => {
    const { broker } = testBroker();
    const answer = actor("answer", () => 42, { broker, storeResults: true });
    const asks = actor(
      "asks",
      async () => {
        const message = await answer.sendWithOptions({ args: [], delay: 3_600_000 });
        return message.getResult({ block: true, timeout: 7_200_000 });
      },
      { broker, storeResults: true, timeLimit: 7_200_000 },
    );
    const asked = await asks.send();
    const summary = await broker.drain({ stallTimeout: 20 });
    expect(await asked.getResult()).toBe(42);
    expect(summary.virtualTimeMs).toBe(3_600_000);
  });

  it("rejects, naming them, with messages for an actor no one declared", async () => {
    const { broker } = testBroker();
    actor("known", () => {}, { broker });
    const ghost = actorRef<[number]>("ghost", { broker });
    for (const [failFast, arg] of [
      [true, 7],
      [false, 8],
    ] as const) {
      const sent = await ghost.send(arg);
      const error = await broker.drain({ failFast }).catch((e: unknown) => e);
      expect(UnrunnableMessages.isInstance(error)).toBe(true);
      expect((error as UnrunnableMessages).message).toContain(`ghost(${sent.messageId}) with args [${arg}] on default`);
      expect((error as UnrunnableMessages).message).toContain('no actor "ghost" is declared');
    }
  });

  it("rejects, naming them, with messages on a queue no declared actor uses", async () => {
    const { broker } = testBroker();
    actor("work", () => {}, { broker });
    const report = actorRef<[string]>("report", { broker, queueName: "reports" });
    const sent = await report.send("q3");
    await report.sendWithOptions({ args: ["q4"], delay: 1_000 });
    const error = await broker.drain().catch((e: unknown) => e);
    expect(UnrunnableMessages.isInstance(error)).toBe(true);
    const unrunnable = (error as UnrunnableMessages).messages;
    expect(unrunnable.map((entry) => [entry.queueName, entry.message?.args])).toEqual([
      ["reports", ["q3"]],
      ["reports.DQ", ["q4"]],
    ]);
    expect((error as Error).message).toContain(`report(${sent.messageId}) with args ["q3"] on reports: no worker consumes "reports"`);
  });

  it("rejects, naming them, with messages on a paused queue", async () => {
    const { broker } = testBroker();
    const work = actor("work", () => {}, { broker });
    await broker.pauseQueue("default");
    const sent = await work.send();
    const error = await broker.drain().catch((e: unknown) => e);
    expect((error as UnrunnableMessages).messages).toEqual([
      { message: expect.anything(), queueName: "default", reason: '"default" is paused' },
    ]);
    expect((error as UnrunnableMessages).messages[0].message?.messageId).toBe(sent.messageId);
  });

  it("rejects with bytes that are no message", async () => {
    const { broker } = testBroker();
    actor("work", () => {}, { broker });
    broker.enqueueRaw("default", "{not json");
    const error = await broker.drain({ failFast: false }).catch((e: unknown) => e);
    expect((error as UnrunnableMessages).messages).toEqual([expect.objectContaining({ message: undefined, queueName: "default" })]);
  });

  it("runs one drain at a time", async () => {
    const { broker } = testBroker();
    const waits = actor("waits", () => new Promise((resolve) => setTimeout(resolve, 20)), { broker });
    await waits.send();
    const first = broker.drain();
    await expect(broker.drain()).rejects.toThrow("already running");
    expect((await first).processed).toBe(1);
  });

  it("runs actors with the message context, and drains again what is sent after a drain", async () => {
    const { broker } = testBroker();
    const ids: string[] = [];
    const who = actor("who", () => void ids.push(currentMessage().message.messageId), { broker });
    const first = await who.send();
    await broker.drain();
    const second = await who.send();
    await broker.drain();
    expect(ids).toEqual([first.messageId, second.messageId]);
  });
});
