import { describe, expect, it } from "vitest";
import { actor, InvalidOption, type JsonObject, type JsonValue, Message } from "../src/index.js";
import { mergesKwargs } from "./fixtures/thread-actors.mjs";
import { until, useHarness } from "./harness.js";
import { recordRuns } from "./thread-harness.js";

/** A message as a Python producer sends it: `send_with_options(args=args, kwargs=kwargs)`. */
const fromPython = (actorName: string, args: JsonValue[], kwargs: JsonObject) =>
  new Message({ queueName: "default", actorName, args, kwargs }).encode() as string;

describe("keyword arguments from Python producers", () => {
  const current = useHarness();

  it('kwargs: "merge" appends them as one final object when there are some, and nothing when there are none', async () => {
    const h = current();
    const calls: unknown[][] = [];
    const notify = actor("notify", (...args: JsonValue[]) => void calls.push(args), { broker: h.broker, kwargs: "merge" });
    h.broker.enqueueRaw("default", fromPython("notify", ["ada"], { channel: "sms", urgent: true }));
    h.broker.enqueueRaw("default", fromPython("notify", [], { channel: "mail" }));
    h.broker.enqueueRaw("default", fromPython("notify", ["bob", { channel: "push" }], {}));
    await h.start({ concurrency: 1 });
    // A Node producer sends the object as an argument: the same call as Python's kwargs.
    await notify.send("eve", { channel: "sms" });
    await until(() => calls.length === 4, "four calls");
    expect(calls).toEqual([
      ["ada", { channel: "sms", urgent: true }],
      [{ channel: "mail" }],
      ["bob", { channel: "push" }],
      ["eve", { channel: "sms" }],
    ]);
  });

  it('kwargs: "merge" never merges them into an object argument already there', async () => {
    const h = current();
    const calls: unknown[][] = [];
    actor("configure", (...args: unknown[]) => void calls.push(args), { broker: h.broker, kwargs: "merge" });
    h.broker.enqueueRaw("default", fromPython("configure", [{ a: 1 }], { b: 2 }));
    await h.start();
    await until(() => calls.length === 1, "the call");
    expect(calls).toEqual([[{ a: 1 }, { b: 2 }]]);
  });

  it("kwargs: true appends them always, an empty object when there are none", async () => {
    const h = current();
    const calls: unknown[][] = [];
    actor("always", (...args: unknown[]) => void calls.push(args), { broker: h.broker, kwargs: true });
    h.broker.enqueueRaw("default", fromPython("always", [1], {}));
    await h.start();
    await until(() => calls.length === 1, "the call");
    expect(calls).toEqual([[1, {}]]);
  });

  it("without the option, a message with kwargs is dead-lettered with a reason naming both options", async () => {
    const h = current();
    actor("strict", () => {}, { broker: h.broker });
    h.broker.enqueueRaw("default", fromPython("strict", [1], { y: 2 }));
    await h.start();
    await until(() => h.broker.deadLetters.length === 1, "the dead letter");
    const [letter] = await h.broker.listDeadLetters("default");
    expect(letter.reason).toContain('declare it with { kwargs: true } or { kwargs: "merge" }');
  });

  it("refuses a kwargs option that is not true, false or merge", () => {
    const h = current();
    expect(() => actor("typo", () => {}, { broker: h.broker, kwargs: "merged" as never })).toThrow(InvalidOption);
    expect(() => actor("typo", () => {}, { broker: h.broker, kwargs: "merged" as never })).toThrow(/must be true, false or "merge"/);
  });

  it('gives a thread actor with kwargs: "merge" the same arguments', async () => {
    const h = current();
    const runs = recordRuns(h.broker, mergesKwargs);
    h.broker.enqueueRaw("default", fromPython("thread_merges_kwargs", [1], { y: 2 }));
    h.broker.enqueueRaw("default", fromPython("thread_merges_kwargs", [3], {}));
    await h.start({ threads: 1 });
    await until(() => runs.length === 2, "both runs");
    expect(runs.map((run) => run.outcome.result)).toEqual(expect.arrayContaining([[1, { y: 2 }], [3]]));
  });
});
