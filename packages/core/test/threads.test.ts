import { isMainThread } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import {
  actor,
  InvalidOption,
  Retry,
  ThreadArgumentError,
  ThreadModuleError,
  ThreadResultError,
  TroupeError,
  Worker,
} from "../src/index.js";
import { Declined, declines, retriesLater, returnsDate, square, throwsLater, whoAmI } from "./fixtures/thread-actors.mjs";
import { until, useHarness } from "./harness.js";
import { recordRuns, runsOf } from "./thread-harness.js";

// The actors run in real worker_threads, which import the fixture module with Node itself and
// so run core's build (thread-harness.ts checks it is there).
describe("thread actors (isolation: thread)", () => {
  const current = useHarness();

  it("run in a pool thread beside event-loop actors of the same worker", async () => {
    const h = current();
    const runs = recordRuns(h.broker, square, whoAmI);
    const onLoop = actor("loop_where", () => ({ isMainThread }), { broker: h.broker });
    await h.start({ threads: 2 });
    for (const n of [2, 3, 4]) await h.broker.enqueue(square.message(n));
    const who = await h.broker.enqueue(whoAmI.message());
    await onLoop.send();
    await until(() => runs.length === 5, "five runs");
    expect(runsOf(runs, square).map((run) => run.outcome.result)).toEqual(expect.arrayContaining([4, 9, 16]));
    const [thread] = runsOf(runs, whoAmI);
    expect(thread.outcome).toMatchObject({ result: { isMainThread: false, messageId: who.messageId } });
    expect(runs.find((run) => run.message.actorName === "loop_where")?.outcome.result).toEqual({ isMainThread: true });
  });

  it("gives currentMessage() in the thread the message and a live signal", async () => {
    const h = current();
    const runs = recordRuns(h.broker, whoAmI);
    await h.start({ threads: 1 });
    const sent = await h.broker.enqueue(whoAmI.message());
    await until(() => runs.length === 1, "the run");
    expect(runs[0].outcome.result).toMatchObject({ messageId: sent.messageId, actorName: "thread_who_am_i", aborted: false });
  });

  it("brings errors back with their class and fields: Retry keeps its delay, throws still matches", async () => {
    const h = current();
    const runs = recordRuns(h.broker, retriesLater, declines);
    await h.start({ threads: 1 });
    await h.broker.enqueue(retriesLater.messageWithOptions({ args: [], maxRetries: 0 }));
    await h.broker.enqueue(declines.message());
    await until(() => runs.length === 2, "both runs");
    const retry = runsOf(runs, retriesLater)[0].outcome.error;
    expect(Retry.isInstance(retry)).toBe(true);
    expect(retry).toBeInstanceOf(Retry);
    expect((retry as Retry).delay).toBe(12_345);
    expect((retry as Error).stack).toContain("thread-actors.mjs");
    const declined = runsOf(runs, declines)[0];
    expect(declined.outcome.error).toBeInstanceOf(Declined);
    // `throws: Declined` dead-letters it at once instead of retrying.
    expect(declined.message.failed).toBe(true);
  });

  it("log a thread that fails between runs, which is replaced, and the worker goes on", async () => {
    const h = current();
    const runs = recordRuns(h.broker, throwsLater, whoAmI);
    await h.start({ threads: 1 });
    await h.broker.enqueue(throwsLater.message());
    await until(() => h.logs.some((line) => line.includes("a thread of the thread actor pool failed")), "the logged failure");
    expect(h.logs.find((line) => line.includes("pool failed"))).toMatch(/thrown from a timer after the run/);
    await h.broker.enqueue(whoAmI.message());
    await until(() => runs.length === 2, "a run in the new thread");
    expect(runs.map((run) => run.outcome.result)).toEqual(["returned", expect.objectContaining({ isMainThread: false })]);
  });

  it("records the module that declares it, from the call stack or the threadModule option", () => {
    expect(square.threadModule).toBe(new URL("./fixtures/thread-actors.mjs", import.meta.url).href);
    const here = actor("declared_here", () => 1, { isolation: "thread" });
    expect(here.threadModule).toBe(import.meta.url);
    const given = actor("declared_elsewhere", () => 1, { isolation: "thread", threadModule: "/srv/app/tasks.js" });
    expect(given.threadModule).toBe("file:///srv/app/tasks.js");
    expect(actor("on_the_loop", () => 1).threadModule).toBeUndefined();
  });

  it("refuses an unknown isolation, a relative threadModule and a threads count below 1", () => {
    const h = current();
    expect(() => actor("x1", () => 1, { isolation: "fiber" as "thread" })).toThrow(InvalidOption);
    expect(() => actor("x2", () => 1, { isolation: "thread", threadModule: "./tasks.js" })).toThrow(/URL or an absolute path/);
    expect(() => new Worker(h.broker, { threads: 0 })).toThrow(RangeError);
  });
});

describe("thread actors that cannot cross into or out of their thread", () => {
  const current = useHarness();

  it("fail with ThreadModuleError when the module's import throws in the thread", async () => {
    const h = current();
    const broken = actor("thread_broken_module", () => 1, {
      broker: h.broker,
      isolation: "thread",
      threadModule: new URL("./fixtures/throws-on-import.mjs", import.meta.url),
      maxRetries: 0,
    });
    const runs = recordRuns(h.broker);
    await h.start({ threads: 1 });
    await broken.send();
    await until(() => runs.length === 1, "the run");
    const error = runs[0].outcome.error as ThreadModuleError;
    expect(ThreadModuleError.isInstance(error)).toBe(true);
    expect(error.code).toBe("THREAD_MODULE_ERROR");
    expect(error.message).toMatch(/importing file:.*throws-on-import\.mjs in a worker thread failed: this module cannot be imported/);
  });

  it("fail with ThreadModuleError when the module cannot be found from the thread", async () => {
    const h = current();
    const gone = new URL("./fixtures/not-deployed.mjs", import.meta.url);
    const lost = actor("thread_lost_module", () => 1, { broker: h.broker, isolation: "thread", threadModule: gone, maxRetries: 0 });
    const runs = recordRuns(h.broker);
    await h.start({ threads: 1 });
    await lost.send();
    await until(() => runs.length === 1, "the run");
    const error = runs[0].outcome.error as ThreadModuleError;
    expect(error.message).toMatch(/not-deployed\.mjs in a worker thread failed: Cannot find module/);
    expect((error.cause as { code?: string }).code).toBe("ERR_MODULE_NOT_FOUND");
  });

  it("fail with ThreadModuleError when the module does not declare the actor", async () => {
    const h = current();
    const missing = actor("thread_not_in_module", () => 1, {
      broker: h.broker,
      isolation: "thread",
      threadModule: new URL("./fixtures/thread-actors.mjs", import.meta.url),
      maxRetries: 0,
    });
    const runs = recordRuns(h.broker);
    await h.start({ threads: 1 });
    await missing.send();
    await until(() => runs.length === 1, "the run");
    expect((runs[0].outcome.error as Error).message).toMatch(/did not declare it there/);
    expect(ThreadModuleError.isInstance(runs[0].outcome.error)).toBe(true);
  });

  it("refuse a function or a class instance as an argument: at send, and when middleware put one there", async () => {
    const h = current();
    const runs = recordRuns(h.broker, square);
    expect(() => square.message((() => 2) as unknown as number)).toThrow(/is a function, which JSON cannot carry/);
    // A middleware that revives arguments into objects (as a custom encoder might) cannot hand them to a thread.
    h.broker.addMiddleware({
      beforeProcessMessage(_broker, message) {
        if (message.actorName === square.actorName) (message.args as unknown[])[0] = new Date(0);
      },
    });
    await h.start({ threads: 1 });
    await h.broker.enqueue(square.messageWithOptions({ args: [3], maxRetries: 0 }));
    await until(() => runs.length === 1, "the run");
    const error = runs[0].outcome.error as ThreadArgumentError;
    expect(ThreadArgumentError.isInstance(error)).toBe(true);
    expect(error.code).toBe("THREAD_ARGUMENT_ERROR");
    expect(error.message).toMatch(/arguments\[0\] is a Date instance/);
  });

  it("fail with ThreadResultError when the result is not JSON", async () => {
    const h = current();
    const runs = recordRuns(h.broker, returnsDate);
    await h.start({ threads: 1 });
    await h.broker.enqueue(returnsDate.messageWithOptions({ args: [], maxRetries: 0 }));
    await until(() => runs.length === 1, "the run");
    const error = runs[0].outcome.error as ThreadResultError;
    expect(error).toBeInstanceOf(ThreadResultError);
    expect(TroupeError.isInstance(error)).toBe(true);
    expect(error.code).toBe("THREAD_RESULT_ERROR");
    expect(error.message).toMatch(/the result is a Date instance/);
  });
});
