import { describe, expect, it } from "vitest";
import { actor, type MessageContext, TimeLimitExceeded } from "../src/index.js";
import { announcedSpinner, busy, polite, spinner, whoAmI } from "./fixtures/thread-actors.mjs";
import { sleep, until, useHarness } from "./harness.js";
import { recordRuns, runningChannel, runsOf } from "./thread-harness.js";

const threadIdOf = (result: unknown) => (result as { threadId: number }).threadId;

/** Calls `fn` once `count` microtasks queued after this one have run: still before any I/O or message port event. */
const afterMicrotasks = (count: number, fn: () => void): void => queueMicrotask(count > 0 ? () => afterMicrotasks(count - 1, fn) : fn);

/** Blocks this event loop until `check()` holds, as a busy worker would; false if it did not within `timeout` ms. */
function holdLoopUntil(check: () => boolean, timeout: number): boolean {
  const deadline = performance.now() + timeout;
  while (!check()) if (performance.now() > deadline) return false;
  return true;
}

// Real worker_threads running core's build, as in threads.test.ts.
describe("thread actors that must stop", () => {
  const current = useHarness();

  it("terminate and replace the thread of a busy loop past timeLimit + grace, and the retry runs", async () => {
    const h = current();
    const runs = recordRuns(h.broker, busy, whoAmI);
    await h.start({ threads: 1 });
    await h.broker.enqueue(whoAmI.message());
    await until(() => runs.length === 1, "the first thread's id");
    // The first run spins for a minute and never looks at its signal; its retry returns at once.
    await h.broker.enqueue(busy.messageWithOptions({ args: [60_000], timeLimit: 300, timeLimitGrace: 200, minBackoff: 1, maxBackoff: 5 }));
    await until(() => runsOf(runs, busy).length === 2, "the run and its retry", 10_000);
    const [first, retry] = runsOf(runs, busy);
    expect(TimeLimitExceeded.isInstance(first.outcome.error)).toBe(true);
    // Failed once the limit and the grace had passed, and once the thread was gone, not after the minute.
    expect(first.at - runs[0].at).toBeGreaterThanOrEqual(450);
    expect(first.at - runs[0].at).toBeLessThan(3_000);
    expect(retry).toMatchObject({ retries: 1, outcome: { result: "done" } });
    // With one thread, the retry could only run in a new one.
    await h.broker.enqueue(whoAmI.message());
    await until(() => runsOf(runs, whoAmI).length === 2, "the second thread's id");
    const [before, after] = runsOf(runs, whoAmI).map((run) => threadIdOf(run.outcome.result));
    expect(after).not.toBe(before);
  });

  it("let an actor that honours its signal settle within the grace, in the same thread", async () => {
    const h = current();
    const runs = recordRuns(h.broker, polite, whoAmI);
    await h.start({ threads: 1 });
    await h.broker.enqueue(whoAmI.message());
    await until(() => runs.length === 1, "the thread's id");
    await h.broker.enqueue(polite.messageWithOptions({ args: [], timeLimit: 200, timeLimitGrace: 5_000, maxRetries: 0 }));
    await until(() => runsOf(runs, polite).length === 1, "the polite run");
    const [run] = runsOf(runs, polite);
    expect(TimeLimitExceeded.isInstance(run.outcome.error)).toBe(true);
    expect(run.at - runs[0].at).toBeLessThan(2_000);
    await h.broker.enqueue(whoAmI.message());
    await until(() => runsOf(runs, whoAmI).length === 2, "the thread's id again");
    const [before, after] = runsOf(runs, whoAmI).map((r) => threadIdOf(r.outcome.result));
    expect(after).toBe(before);
  });

  it("terminate a busy loop on stop() past its shutdownTimeout and requeue the message", async () => {
    const h = current();
    const runs = recordRuns(h.broker, spinner);
    // What still runs when the consumers close: the thread must be gone by then, not left
    // to the pool's teardown at the very end.
    const runningAtConsumerShutdown: number[] = [];
    h.broker.addMiddleware({
      beforeConsumerShutdown: (_broker, stopping) => void runningAtConsumerShutdown.push(stopping.inFlight.size),
    });
    const worker = await h.start({ threads: 1 });
    await h.broker.enqueue(spinner.message(60_000));
    await until(() => worker.inFlight.size === 1, "the spinner to start");
    await sleep(200);
    const started = performance.now();
    await worker.stop({ timeout: 200 });
    // The shutdown timeout, the 1 s grace, and the termination: far short of the minute.
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(runningAtConsumerShutdown).toEqual([0, 0]);
    expect(runs).toEqual([]);
    expect(await h.broker.queueStats("default")).toMatchObject({ ready: 1, deadLetters: 0 });
  });

  it("stop a thread actor that ignores its signal terminateAfter ms after MessageContext.abort", async () => {
    const h = current();
    const runs = recordRuns(h.broker, announcedSpinner);
    const worker = await h.start({ threads: 1 });
    const running = runningChannel();
    try {
      await h.broker.enqueue(announcedSpinner.messageWithOptions({ args: [60_000, running.name], maxRetries: 0 }));
      // In flight is not yet running: the pool's new thread may still be loading (for long on a
      // loaded machine), and a run aborted before its function starts fails at once.
      await until(() => worker.inFlight.size === 1 && running.heard(), "the spinner to run in its thread");
      const [context] = worker.inFlight;
      const abortedAt = performance.now();
      context.abort(new Error("stopped by an operator"), { terminateAfter: 150 });
      await until(() => runs.length === 1, "the aborted run");
      const settledAfter = performance.now() - abortedAt;
      expect((runs[0].outcome.error as Error).message).toBe("stopped by an operator");
      // Not at once (the function gets its 150 ms), and well before the default 1 s grace.
      expect(settledAfter).toBeGreaterThanOrEqual(140);
      expect(settledAfter).toBeLessThan(900);
    } finally {
      running.close();
    }
  });

  it("give a thread actor its terminateAfter when the worker is too busy to have heard that it started", async () => {
    const h = current();
    const runs = recordRuns(h.broker, whoAmI, announcedSpinner);
    const worker = await h.start({ threads: 1 });
    // An idle thread, loaded: the worker hands it the next message in the turn that starts its run.
    await h.broker.enqueue(whoAmI.message());
    await until(() => runs.length === 1, "the thread to be up");
    const running = runningChannel();
    let heard = false;
    let abortedAt = 0;
    h.broker.addMiddleware({
      beforeProcessMessage(_broker, message) {
        if (message.actorName !== announcedSpinner.actorName) return;
        const context = [...worker.inFlight].find((c) => c.message === message) as MessageContext;
        // Some microtasks on, the thread has the message; from then on this event loop is held
        // until the function runs, so the thread's start notice is still unread at the abort.
        afterMicrotasks(20, () => {
          heard = holdLoopUntil(running.heard, 10_000);
          abortedAt = performance.now();
          context.abort(new Error("stopped as it started"), { terminateAfter: 150 });
        });
      },
    });
    try {
      await h.broker.enqueue(announcedSpinner.messageWithOptions({ args: [60_000, running.name], maxRetries: 0 }));
      await until(() => runsOf(runs, announcedSpinner).length === 1, "the aborted run");
    } finally {
      running.close();
    }
    const settledAfter = performance.now() - abortedAt;
    expect(heard).toBe(true);
    expect((runsOf(runs, announcedSpinner)[0].outcome.error as Error).message).toBe("stopped as it started");
    expect(settledAfter).toBeGreaterThanOrEqual(140);
    expect(settledAfter).toBeLessThan(900);
  });

  it("never block the worker: event-loop actors, delayed messages and timers run during a busy loop", async () => {
    const h = current();
    const runs = recordRuns(h.broker, spinner);
    const onLoop = actor("loop_meanwhile", (tag: string) => tag, { broker: h.broker });
    const worker = await h.start({ threads: 1 });
    await h.broker.enqueue(spinner.message(1_500));
    await until(() => worker.inFlight.size === 1, "the spinner to start");
    let ticks = 0;
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 20);
    try {
      await onLoop.send("now");
      await onLoop.sendWithOptions({ args: ["delayed"], delay: 300 });
      await until(() => runsOf(runs, spinner).length === 1, "the spinner", 10_000);
    } finally {
      clearInterval(timer);
    }
    const spun = runsOf(runs, spinner)[0];
    expect(spun.outcome.result).toBe(1_500);
    const meanwhile = runs.filter((run) => run.message.actorName === "loop_meanwhile");
    expect(meanwhile.map((run) => run.outcome.result)).toEqual(["now", "delayed"]);
    for (const run of meanwhile) expect(run.at).toBeLessThan(spun.at);
    expect(ticks).toBeGreaterThan(20);
    expect(longestGap).toBeLessThan(250);
  });
});
