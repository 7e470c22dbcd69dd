import { describe, expect, it } from "vitest";
import { actor, ConnectionError, type Message, type Middleware, MiddlewareError } from "../src/index.js";
import { TestBroker } from "../src/testing.js";
import { useHarness } from "./harness.js";

/** Records the afterEnqueue and afterEnqueueFailed calls it gets. */
function recorder(calls: string[]): Middleware {
  return {
    afterEnqueue: (_broker, message: Message) => void calls.push(`sent ${message.args[0]}`),
    afterEnqueueFailed: (_broker, message: Message, error, batch) =>
      void calls.push(`failed ${message.args[0]} of ${batch.length}: ${(error as Error).message}`),
  };
}

describe("the afterEnqueueFailed hook", () => {
  const current = useHarness();

  it("tells each message of a call that a before-hook refused, then the sender gets the error", async () => {
    const h = current();
    const calls: string[] = [];
    h.broker.addMiddleware(recorder(calls));
    h.broker.addMiddleware({
      beforeEnqueue(_broker, message) {
        if (message.args[0] === "b") throw new MiddlewareError("quota exceeded");
      },
    });
    const send = actor("guarded", (_word: string) => {}, { broker: h.broker });
    await expect(send.sendMany([["a"], ["b"]])).rejects.toThrow("quota exceeded");
    expect(calls).toEqual(["failed a of 2: quota exceeded", "failed b of 2: quota exceeded"]);
    await send.send("c");
    expect(calls.slice(2)).toEqual(["sent c"]);
  });

  it("tells each message of a call the broker did not store, then the sender gets the error", async () => {
    const broker = new TestBroker();
    const calls: string[] = [];
    broker.addMiddleware(recorder(calls));
    const send = actor("unlucky", (_word: string) => {}, { broker });
    broker.faults.failNextEnqueues(1);
    const failed = send.send("x");
    await expect(failed).rejects.toThrow(ConnectionError);
    expect(calls).toEqual([expect.stringMatching(/^failed x of 1: /)]);
  });
});
