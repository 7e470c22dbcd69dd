import { describe, expect, it } from "vitest";
import { actor, type JsonValue } from "../src/index.js";
import { useHarness } from "./harness.js";

type Payload = [Record<string, unknown>, JsonValue];

describe("Callbacks (docs/protocol.md §2 payloads)", () => {
  const current = useHarness();

  function sink(name: string) {
    const h = current();
    const calls: Payload[] = [];
    actor(name, (source: JsonValue, payload: JsonValue) => void calls.push([source as Record<string, unknown>, payload]), {
      broker: h.broker,
      queueName: "callbacks",
    });
    return calls;
  }

  it("onSuccess receives [source message object, result]", async () => {
    const h = current();
    const done = sink("done");
    const double = actor("double", (x: number) => x * 2, { broker: h.broker, onSuccess: "done" });
    await h.start({ queues: ["default", "callbacks"] });
    const sent = await double.send(21);
    await h.broker.join("default");
    await h.broker.join("callbacks");
    expect(done).toHaveLength(1);
    expect(done[0][1]).toBe(42);
    expect(done[0][0]).toEqual(sent.toJSON());
    expect(Object.keys(done[0][0])).toEqual(["queue_name", "actor_name", "args", "kwargs", "options", "message_id", "message_timestamp"]);
  });

  it("onFailure and onRetryExhausted see the bumped retries; the dead letter does not", async () => {
    const h = current();
    const failed = sink("failed");
    const exhausted = sink("exhausted");
    const boom = actor(
      "boom",
      () => {
        throw new TypeError("kaput");
      },
      { broker: h.broker, maxRetries: 0, onFailure: "failed", onRetryExhausted: "exhausted" },
    );
    await h.start({ queues: ["default", "callbacks"] });
    const sent = await boom.send();
    await h.broker.join("default", { failFast: false });
    await h.broker.join("callbacks");
    expect(failed).toHaveLength(1);
    const [source, payload] = failed[0];
    expect(payload).toEqual({ type: "TypeError", message: "kaput" });
    const options = source.options as Record<string, unknown>;
    expect(Object.keys(options)).toEqual(["retries", "traceback", "requeue_timestamp"]);
    expect(options.retries).toBe(1);
    expect(options.traceback).toMatch(/TypeError: kaput/);
    expect(exhausted).toEqual([[source, { retries: 0, max_retries: 0 }]]);
    expect(h.broker.deadLetters[0].messageId).toBe(sent.messageId);
    expect(h.broker.deadLetters[0].options).toEqual({});
  });

  it("onFailure fires on every failure, retried or not; onRetryExhausted once", async () => {
    const h = current();
    const failed = sink("failed_each");
    const exhausted = sink("exhausted_once");
    const flaky = actor(
      "flaky_cb",
      () => {
        throw new Error("again");
      },
      { broker: h.broker, maxRetries: 2, minBackoff: 1, maxBackoff: 5, onFailure: "failed_each", onRetryExhausted: "exhausted_once" },
    );
    await h.start({ queues: ["default", "callbacks"] });
    await flaky.send();
    await h.broker.join("default", { failFast: false });
    await h.broker.join("callbacks");
    expect(failed.map(([source]) => (source.options as Record<string, unknown>).retries)).toEqual([1, 2, 3]);
    expect(exhausted.map(([, payload]) => payload)).toEqual([{ retries: 2, max_retries: 2 }]);
  });
});
