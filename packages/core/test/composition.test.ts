import { describe, expect, it } from "vitest";
import { actor, group, InvalidOption, MemoryBroker, pipeline } from "../src/index.js";
import { sleep, useHarness } from "./harness.js";

describe("pipeline and group", () => {
  const current = useHarness();

  function math() {
    const h = current();
    const double = actor("double", (x: number) => x * 2, { broker: h.broker, storeResults: true });
    const addOne = actor("add_one", (x: number) => x + 1, { broker: h.broker, storeResults: true });
    const constant = actor("constant", () => 100, { broker: h.broker, storeResults: true });
    return { double, addOne, constant };
  }

  it("pipes each result into the next step as its last argument", async () => {
    const h = current();
    const { double, addOne } = math();
    await h.start();
    const p = await pipeline([double.message(3), addOne.message(), double.message()]).run();
    expect(await p.getResult({ block: true, timeout: 5_000 })).toBe(14);
    expect(await p.getResults({ block: true })).toEqual([6, 7, 14]);
    expect(await p.completed()).toBe(true);
    expect(await p.completedCount()).toBe(3);
  });

  it("writes steps as nested pipe_target objects and honours pipe_ignore", async () => {
    const h = current();
    const { double, addOne, constant } = math();
    const p = pipeline([double.message(3), constant.messageWithOptions({ args: [], pipeIgnore: true }), addOne.message()]);
    const first = p.messages[0].toJSON();
    const target = first.options.pipe_target as Record<string, unknown>;
    expect(Object.keys(target)).toEqual(["queue_name", "actor_name", "args", "kwargs", "options", "message_id", "message_timestamp"]);
    expect((target.options as Record<string, unknown>).pipe_ignore).toBe(true);
    expect(((target.options as Record<string, unknown>).pipe_target as Record<string, unknown>).actor_name).toBe("add_one");
    await h.start();
    await p.run();
    expect(await p.getResult({ block: true, timeout: 5_000 })).toBe(101);
  });

  it("delays a step by its own delay option", async () => {
    const h = current();
    const ranAt: number[] = [];
    const stamp = actor(
      "stamp",
      (n: number) => {
        ranAt.push(Date.now());
        return n + 1;
      },
      { broker: h.broker, storeResults: true },
    );
    await h.start();
    const p = await pipeline([stamp.message(1), stamp.messageWithOptions({ args: [], delay: 300 })]).run();
    expect(await p.getResult({ block: true, timeout: 5_000 })).toBe(3);
    expect(ranAt[1] - ranAt[0]).toBeGreaterThanOrEqual(300);
  });

  it("delays the first step by the larger of its own delay option and run's delay, as Dramatiq does", async () => {
    const h = current();
    const sentAt = Date.now();
    const ranAt: number[] = [];
    const stamp = actor(
      "stamp_first",
      (n: number) => {
        ranAt.push(Date.now());
        return n;
      },
      { broker: h.broker, storeResults: true },
    );
    await h.start();
    const own = await pipeline([stamp.messageWithOptions({ args: [1], delay: 300 })]).run();
    expect(await own.getResult({ block: true, timeout: 5_000 })).toBe(1);
    expect(ranAt[0] - sentAt).toBeGreaterThanOrEqual(300);
    const longerRun = await pipeline([stamp.messageWithOptions({ args: [2], delay: 50 })]).run({ delay: 400 });
    const runSentAt = Date.now();
    expect(await longerRun.getResult({ block: true, timeout: 5_000 })).toBe(2);
    expect(ranAt[1] - runSentAt).toBeGreaterThanOrEqual(350);
  });

  it("group.wait resolves once every member is done, and rejects with ResultTimeout or ResultFailure as Dramatiq's", async () => {
    const h = current();
    const { double } = math();
    const slow = actor("slow_member", () => sleep(400).then(() => 1), { broker: h.broker, storeResults: true });
    const broken = actor(
      "broken_member",
      () => {
        throw new Error("no");
      },
      { broker: h.broker, storeResults: true, maxRetries: 0 },
    );
    await h.start();
    const done = await group([double.message(1), pipeline([double.message(2), double.message()]), group([slow.message()])]).run();
    await done.wait({ timeout: 5_000 });
    expect(await done.completed()).toBe(true);
    const late = await group([double.message(1), slow.message()]).run();
    await expect(late.wait({ timeout: 100 })).rejects.toMatchObject({ code: "RESULT_TIMEOUT" });
    const failed = await group([double.message(1), broken.message()]).run();
    await expect(failed.wait({ timeout: 5_000 })).rejects.toMatchObject({ code: "RESULT_FAILURE" });
    await expect(done.wait({ timout: 1 } as never)).rejects.toThrow(/unknown option "timout" for Group\.wait; did you mean "timeout"\?/);
  });

  it("fires a group's completion callback once, after every member succeeded", async () => {
    const h = current();
    const { double } = math();
    const notified: string[] = [];
    const notify = actor("notify", (label: string) => void notified.push(label), { broker: h.broker });
    await h.start();
    const g = await group([double.message(1), double.message(2), pipeline([double.message(3), double.message()])])
      .addCompletionCallback(notify.message("all done"))
      .run();
    expect(await g.getResults({ block: true, timeout: 5_000 })).toEqual([2, 4, 12]);
    await h.broker.join("default");
    await sleep(50);
    expect(notified).toEqual(["all done"]);
    expect(await g.completed()).toBe(true);
    expect(await g.completedCount()).toBe(3);
  });

  it("never fires the completion callback after a member failed for good", async () => {
    const h = current();
    const { double } = math();
    const notified: string[] = [];
    const notify = actor("notify", (label: string) => void notified.push(label), { broker: h.broker });
    const broken = actor(
      "broken",
      () => {
        throw new Error("no");
      },
      { broker: h.broker, maxRetries: 0 },
    );
    await h.start();
    await group([double.message(1), broken.message(), double.message(2)])
      .addCompletionCallback(notify.message("nope"))
      .run();
    await h.broker.join("default", { failFast: false });
    await sleep(100);
    expect(notified).toEqual([]);
  });

  it("says which middleware is missing when a group with callbacks runs without GroupCallbacks", async () => {
    const broker = new MemoryBroker();
    const a = actor("a", () => 1, { broker });
    await expect(group([a.message()], { broker }).addCompletionCallback(a.message()).run()).rejects.toSatisfy(
      (e) => InvalidOption.isInstance(e) && /GroupCallbacks/.test((e as Error).message),
    );
  });
});
