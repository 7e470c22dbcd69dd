import type { Message, ProcessOutcome } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Abort, abort } from "../src/index.js";
import { polite, stubborn, threadId } from "./fixtures/thread-actors.mjs";
import { type AbortableApp, abortableApp, type BackendPair, backendKinds } from "./helpers.js";

interface Run {
  at: number;
  message: Message;
  outcome: ProcessOutcome;
}

/** Declares the fixture's thread actors (declared unbound) on the app's broker and records every settled run. */
function recordRuns(app: AbortableApp): Run[] {
  for (const handle of [stubborn, polite, threadId]) app.broker.declareActor(handle);
  const runs: Run[] = [];
  app.broker.addMiddleware({
    afterProcessMessage(_broker, message, outcome) {
      runs.push({ at: performance.now(), message, outcome });
    },
  });
  return runs;
}

const runsOf = (runs: Run[], name: string) => runs.filter((run) => run.message.actorName === name);

// Real worker_threads running core's build.
describe.each(backendKinds)("abort() of a thread actor, on $name", (kind) => {
  let pair: BackendPair;
  let app: AbortableApp;
  afterEach(async () => {
    await app.stop();
    await pair.close();
  });

  it("terminates the thread of an actor that ignores its signal once abortTimeout has passed; the message is not retried", async () => {
    pair = kind.open();
    app = abortableApp(pair.worker);
    const runs = recordRuns(app);
    const worker = await app.start({ threads: 1 });
    await app.broker.enqueue(threadId.message());
    await eventually(() => runs.length === 1, "the first thread's id");
    const spinning = await app.broker.enqueue(stubborn.messageWithOptions({ args: [60_000], maxRetries: 3, minBackoff: 1 }));
    await eventually(() => worker.inFlight.size === 1, "the stubborn actor starts");
    // In flight from before its before-hooks: a request now would cancel it rather than abort it.
    await sleep(200);
    const at = performance.now();
    await abort(spinning, { backend: pair.producer, abortTimeout: 300 });
    await eventually(() => runsOf(runs, stubborn.actorName).length === 1, "the stubborn run fails", 10_000);
    const [run] = runsOf(runs, stubborn.actorName);
    expect(run.outcome.error).toBeInstanceOf(Abort);
    // Failed once abortTimeout had passed and the thread was gone, long before the minute of spinning.
    expect(run.at - at).toBeGreaterThanOrEqual(290);
    expect(run.at - at).toBeLessThan(3_000);
    // With one thread, the next run can only be in a new one.
    await app.broker.enqueue(threadId.message());
    await eventually(() => runsOf(runs, threadId.actorName).length === 2, "the second thread's id");
    const [before, after] = runsOf(runs, threadId.actorName).map((r) => r.outcome.result);
    expect(after).not.toBe(before);
    expect(runsOf(runs, stubborn.actorName)).toHaveLength(1);
    expect(app.broker.deadLetters.map((dead) => dead.messageId)).toEqual([spinning.messageId]);
  });

  it("lets an actor that honours its signal settle in its own thread, and fails its message with Abort", async () => {
    pair = kind.open();
    app = abortableApp(pair.worker);
    const runs = recordRuns(app);
    const worker = await app.start({ threads: 1 });
    await app.broker.enqueue(threadId.message());
    await eventually(() => runs.length === 1, "the thread's id");
    const waiting = await app.broker.enqueue(polite.messageWithOptions({ args: [], maxRetries: 3, minBackoff: 1 }));
    await eventually(() => worker.inFlight.size === 1, "the polite actor starts");
    await sleep(200);
    await abort(waiting, { backend: pair.producer, abortTimeout: 30_000 });
    await eventually(() => runsOf(runs, polite.actorName).length === 1, "the polite run settles");
    expect(runsOf(runs, polite.actorName)[0].outcome.error).toBeInstanceOf(Abort);
    await app.broker.enqueue(threadId.message());
    await eventually(() => runsOf(runs, threadId.actorName).length === 2, "the thread's id again");
    const [before, after] = runsOf(runs, threadId.actorName).map((r) => r.outcome.result);
    expect(after).toBe(before);
  });
});
