import { ResultFailure } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { abort } from "../src/index.js";
import { type AbortableApp, abortableApp, type BackendPair, backendKinds, waitingActor } from "./helpers.js";

describe.each(backendKinds)("abort() of a message that has not started, on $name", (kind) => {
  let pair: BackendPair;
  let app: AbortableApp;
  afterEach(async () => {
    await app.stop();
    await pair.close();
  });
  const open = () => {
    pair = kind.open();
    app = abortableApp(pair.worker);
    return app;
  };

  it.each(["cancel", "abort"] as const)('mode "%s": a queued message never runs and ends as an Abort failure', async (mode) => {
    open();
    const blocker = waitingActor(app, "blocker");
    const target = waitingActor(app, "target");
    await app.start({ concurrency: 1, queues: ["default", "callbacks"] });
    const blocking = blocker.nextStart();
    await blocker.handle.send();
    await blocking;
    const queued = await target.handle.send();
    await abort(queued.messageId, { backend: pair.producer, mode });
    blocker.release();

    const failure = await queued.getResult({ block: true, timeout: 5_000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ResultFailure);
    expect((failure as ResultFailure).errorType).toBe("Abort");
    await eventually(() => app.failures.length === 1, "onFailure runs");
    expect(app.failures[0]).toMatchObject({ messageId: queued.messageId, type: "Abort" });
    await sleep(200);
    expect(target.runs).toEqual([]);
    expect(app.broker.deadLetters.map((dead) => dead.messageId)).toEqual([queued.messageId]);
  });

  it("a delayed message never runs, its delay passed", async () => {
    open();
    const target = waitingActor(app, "target");
    await app.start();
    const delayed = await target.handle.sendWithOptions({ args: [], delay: 300 });
    await abort(delayed, { backend: pair.producer });
    const failure = await delayed.getResult({ block: true, timeout: 5_000 }).catch((error: unknown) => error);
    expect((failure as ResultFailure).errorType).toBe("Abort");
    expect(target.runs).toEqual([]);
    await eventually(() => app.failures.length === 1, "onFailure runs");
  });

  it("an actor declared abortable: false runs whatever was asked", async () => {
    open();
    const blocker = waitingActor(app, "blocker");
    const target = waitingActor(app, "target", { abortable: false });
    await app.start({ concurrency: 1, queues: ["default", "callbacks"] });
    const blocking = blocker.nextStart();
    await blocker.handle.send();
    await blocking;
    const queued = await target.handle.send();
    await abort(queued, { backend: pair.producer });
    const started = target.nextStart();
    blocker.release();
    expect(await started).toBe(queued.messageId);
    await sleep(100);
    expect(target.reasons).toEqual([]);
    target.release();
    expect(await queued.getResult({ block: true, timeout: 5_000 })).toBe("finished");
  });

  it("a request for a message that arrives after abortTtl is gone", async () => {
    open();
    const target = waitingActor(app, "target");
    const late = target.handle.message();
    await abort(late, { backend: pair.producer, abortTtl: 50 });
    await sleep(150);
    await app.start();
    const started = target.nextStart();
    await app.broker.enqueue(late);
    expect(await started).toBe(late.messageId);
    target.release();
  });
});
