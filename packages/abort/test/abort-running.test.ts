import { ResultFailure, TroupeError } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Abort, abort } from "../src/index.js";
import { type AbortableApp, abortableApp, type BackendPair, backendKinds, waitingActor } from "./helpers.js";

describe.each(backendKinds)("abort() of a running message, on $name", (kind) => {
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

  it("aborts its signal with Abort; the message fails once, is not retried, fires onFailure and stores the failure", async () => {
    open();
    const slow = waitingActor(app, "slow");
    await app.start();
    const started = slow.nextStart();
    const message = await slow.handle.send();
    expect(await started).toBe(message.messageId);

    await abort(message.messageId, { backend: pair.producer });

    await eventually(() => slow.reasons.length === 1, "the signal aborts");
    const reason = slow.reasons[0];
    expect(reason).toBeInstanceOf(Abort);
    expect(Abort.isInstance(reason) && TroupeError.isInstance(reason)).toBe(true);
    expect((reason as Abort).code).toBe("ABORTED");
    const failure = await message.getResult({ block: true, timeout: 5_000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ResultFailure);
    expect((failure as ResultFailure).errorType).toBe("Abort");
    await eventually(() => app.failures.length === 1, "onFailure runs");
    expect(app.failures[0]).toMatchObject({ messageId: message.messageId, type: "Abort" });
    // maxRetries is 3 with a 1 ms backoff: a retry would have run by now.
    await sleep(200);
    expect(slow.runs).toEqual([message.messageId]);
    expect(app.broker.deadLetters.map((dead) => dead.messageId)).toEqual([message.messageId]);
  });

  it("stops only the message it names", async () => {
    open();
    const slow = waitingActor(app, "slow");
    await app.start();
    const first = slow.nextStart();
    const aborted = await slow.handle.send();
    await first;
    const second = slow.nextStart();
    const kept = await slow.handle.send();
    await second;
    await abort(aborted, { backend: pair.producer });
    await eventually(() => slow.reasons.length === 1, "the named message's signal aborts");
    await sleep(100);
    slow.release();
    expect(await kept.getResult({ block: true, timeout: 5_000 })).toBe("finished");
    expect(slow.reasons).toHaveLength(1);
  });

  it('mode "cancel" does not stop a message that already runs', async () => {
    open();
    const slow = waitingActor(app, "slow");
    await app.start();
    const started = slow.nextStart();
    const message = await slow.handle.send();
    await started;
    await abort(message.messageId, { backend: pair.producer, mode: "cancel" });
    await sleep(300);
    expect(slow.reasons).toEqual([]);
    slow.release();
    expect(await message.getResult({ block: true, timeout: 5_000 })).toBe("finished");
    expect(app.failures).toEqual([]);
  });

  it("aborts a message whose request came as it started, before its actor ran", async () => {
    open();
    // A before-hook after Abortable's that takes a while: the request lands while it runs.
    let stalled: (() => void) | undefined;
    app.broker.addMiddleware({
      beforeProcessMessage: (_broker, message) =>
        message.actorName === "slow"
          ? new Promise<void>((resolve) => {
              stalled = resolve;
            })
          : undefined,
    });
    const slow = waitingActor(app, "slow");
    await app.start();
    const message = await slow.handle.send();
    await eventually(() => stalled !== undefined, "the message starts");
    await abort(message, { backend: pair.producer });
    await sleep(100);
    stalled?.();
    await eventually(() => slow.reasons.length === 1, "the signal aborts once the actor runs");
    expect(slow.reasons[0]).toBeInstanceOf(Abort);
  });
});
