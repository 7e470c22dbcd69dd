import { actor, group, pipeline, ResultMissing } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { testBroker } from "./support.js";

const HOUR = 3_600_000;

describe("workflows under a TestBroker", () => {
  it("runs a pipeline with an hour's delay before each step", async () => {
    const { broker } = testBroker();
    const start = broker.clock.now();
    const ranAt: number[] = [];
    const step = actor(
      "step",
      (n: number) => {
        ranAt.push(broker.clock.now() - start);
        return n * 10;
      },
      // Results live 10 minutes by default: on the virtual clock too, so the first would be gone by the end.
      { broker, storeResults: true, resultTtl: 4 * HOUR },
    );
    const flow = pipeline([
      step.message(1),
      step.messageWithOptions({ args: [], delay: HOUR }),
      step.messageWithOptions({ args: [], delay: HOUR }),
    ]);
    await flow.run({ delay: HOUR });
    const summary = await broker.drain();
    expect(ranAt).toEqual([HOUR, 2 * HOUR, 3 * HOUR]);
    expect(await flow.getResults()).toEqual([10, 100, 1_000]);
    expect(summary).toEqual({ processed: 3, succeeded: 3, failed: 0, retried: 0, deadLettered: 0, virtualTimeMs: 3 * HOUR });
  });

  it("runs a group's completion callback once, after the last member", async () => {
    const { broker } = testBroker();
    const done: number[] = [];
    const member = actor("member", (n: number) => n, { broker, storeResults: true });
    const finished = actor("finished", () => void done.push(broker.sent(member).length), { broker });
    const members = Array.from({ length: 100 }, (_, n) => member.message(n));
    const batch = group(members).addCompletionCallback(finished.message());
    await batch.run({ delay: HOUR });
    const summary = await broker.drain();
    expect(done).toEqual([100]);
    expect(await batch.getResults()).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(summary).toMatchObject({ processed: 101, succeeded: 101, virtualTimeMs: HOUR });
  });

  it("sends onSuccess and onFailure callbacks", async () => {
    const { broker } = testBroker();
    const heard: unknown[] = [];
    const succeeded = actor("succeeded", (_source: unknown, result: unknown) => void heard.push(["ok", result]), { broker });
    const failed = actor("failed", (_source: unknown, error: { type: string }) => void heard.push(["failed", error.type]), { broker });
    const maybe = actor(
      "maybe",
      (ok: boolean) => {
        if (!ok) throw new RangeError("no");
        return "yes";
      },
      { broker, onSuccess: succeeded, onFailure: failed, maxRetries: 0 },
    );
    await maybe.send(true);
    await maybe.send(false);
    const summary = await broker.drain({ failFast: false });
    expect(heard).toEqual([
      ["ok", "yes"],
      ["failed", "RangeError"],
    ]);
    expect(summary).toMatchObject({ processed: 4, deadLettered: 1 });
  });

  it("expires stored results on the virtual clock", async () => {
    const { broker } = testBroker();
    const answer = actor("answer", () => 42, { broker, storeResults: true, resultTtl: 60_000 });
    const message = await answer.send();
    await broker.drain();
    broker.clock.advance(59_999);
    expect(await message.getResult()).toBe(42);
    broker.clock.advance(1);
    await expect(message.getResult()).rejects.toBeInstanceOf(ResultMissing);
  });
});
