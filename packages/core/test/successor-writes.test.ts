import { describe, expect, it } from "vitest";
import {
  actor,
  type BrokerOptions,
  ConnectionError,
  currentMessage,
  GroupCallbacks,
  group,
  type Logger,
  MemoryBroker,
  MemoryRateLimiterBackend,
  type Message,
  type Middleware,
  pipeline,
  SuccessorNotEnqueued,
  Worker,
} from "../src/index.js";
import { until } from "./harness.js";

/** A memory broker whose every publish fails with `ConnectionError` while `down`, as an unreachable broker's does. */
class OutageBroker extends MemoryBroker {
  down = false;
  refused = 0;

  protected override async publish(messages: readonly Message[]): Promise<void> {
    if (this.down) {
      this.refused++;
      throw new ConnectionError("the broker is unreachable (test outage)");
    }
    await super.publish(messages);
  }
}

function setup(options: BrokerOptions = {}) {
  const logs: string[] = [];
  const keep = (text: string) => void logs.push(text);
  const logger: Logger = { debug() {}, info: keep, warn: keep, error: keep };
  const broker = new OutageBroker({ logger, ...options });
  broker.addMiddleware(new GroupCallbacks({ backend: new MemoryRateLimiterBackend() }));
  const workers: Worker[] = [];
  return {
    broker,
    logs,
    /** Messages the worker did not ack because a successor was not written. */
    returned: () => logs.filter((line) => /is not acked: it goes back to/.test(line)).length,
    async start(queues: string[] = ["default"]): Promise<Worker> {
      const worker = new Worker(broker, { concurrency: 4, workerTimeout: 50, queues });
      workers.push(worker);
      await worker.start();
      return worker;
    },
    stop: () => Promise.all(workers.map((worker) => worker.stop())),
  };
}

/** Starts a worker with the broker down, and brings it back once `faults` publishes were refused. */
async function startInOutage(h: ReturnType<typeof setup>, faults: number, queues?: string[]): Promise<void> {
  h.broker.down = true;
  await h.start(queues);
  await until(() => h.broker.refused >= faults, `${faults} publish(es) were refused`, 10_000);
  h.broker.down = false;
}

describe("a message is acked only after what replaces it is enqueued", () => {
  it("returns a failed message whose retry cannot be enqueued; once the broker answers, every message is retried and succeeds", async () => {
    const h = setup();
    const succeeded = new Set<number>();
    const flaky = actor(
      "flaky",
      (n: number) => {
        if (currentMessage().message.options.retries === undefined) throw new Error(`first attempt of ${n}`);
        succeeded.add(n);
      },
      { broker: h.broker, minBackoff: 1, maxBackoff: 5 },
    );
    await flaky.sendMany(Array.from({ length: 40 }, (_, n) => [n] as [number]));
    await startInOutage(h, 4);
    await h.broker.join("default", { timeout: 20_000 });
    await h.stop();
    expect(succeeded.size).toBe(40);
    expect(h.broker.deadLetters).toHaveLength(0);
    expect(h.logs).toContainEqual(
      expect.stringMatching(
        /^could not enqueue the retry of flaky\(.+\): ConnectionError: .*; flaky\(.+\) is not acked: it goes back to default and runs again$/,
      ),
    );
  });

  it("returns a message whose onSuccess callback cannot be enqueued, so every callback runs", async () => {
    const h = setup();
    const called = new Set<number>();
    actor("on_done", (source: Record<string, unknown>) => void called.add((source.args as number[])[0]), {
      broker: h.broker,
      queueName: "callbacks",
    });
    const work = actor("work", (n: number) => n, { broker: h.broker, onSuccess: "on_done" });
    await work.sendMany(Array.from({ length: 20 }, (_, n) => [n] as [number]));
    await startInOutage(h, 4, ["default", "callbacks"]);
    await h.broker.join("default", { timeout: 20_000 });
    await h.broker.join("callbacks", { timeout: 5_000 });
    await h.stop();
    expect(called.size).toBe(20);
  });

  it("keeps a message whose retries ran out until its onFailure and onRetryExhausted callbacks and its dead letter are written", async () => {
    const h = setup();
    const failures: string[] = [];
    const exhausted: string[] = [];
    actor("failed", (source: Record<string, unknown>) => void failures.push(source.message_id as string), {
      broker: h.broker,
      queueName: "callbacks",
    });
    actor("exhausted", (source: Record<string, unknown>) => void exhausted.push(source.message_id as string), {
      broker: h.broker,
      queueName: "callbacks",
    });
    const doomed = actor(
      "doomed",
      () => {
        throw new Error("never works");
      },
      { broker: h.broker, maxRetries: 0, onFailure: "failed", onRetryExhausted: "exhausted" },
    );
    const sent = await doomed.send();
    await startInOutage(h, 1, ["default", "callbacks"]);
    await h.broker.join("default", { timeout: 20_000, failFast: false });
    await h.broker.join("callbacks", { timeout: 5_000 });
    await h.stop();
    expect(h.broker.deadLetters.map((m) => m.messageId)).toEqual([sent.messageId]);
    expect(new Set(failures)).toEqual(new Set([sent.messageId]));
    expect(exhausted).toEqual([sent.messageId]);
  });

  it("returns a pipeline step whose next step cannot be enqueued, so every pipeline finishes", async () => {
    const h = setup();
    const finished = new Set<number>();
    const double = actor("double", (n: number) => n * 2, { broker: h.broker });
    const record = actor("record", (n: number) => void finished.add(n), { broker: h.broker });
    for (let n = 0; n < 10; n++) await pipeline([double.message(n), record.message()]).run();
    await startInOutage(h, 4);
    await h.broker.join("default", { timeout: 20_000 });
    await h.stop();
    expect([...finished].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, n) => n * 2));
  });

  it("returns the last group member when the completion callback cannot be enqueued; the callback runs once", async () => {
    const h = setup();
    let completions = 0;
    const member = actor("member", (n: number) => n, { broker: h.broker });
    const done = actor(
      "group_done",
      () => {
        completions++;
      },
      { broker: h.broker },
    );
    await group([member.message(1), member.message(2), member.message(3)])
      .addCompletionCallback(done.message())
      .run();
    await startInOutage(h, 1);
    await h.broker.join("default", { timeout: 20_000 });
    await h.stop();
    expect(completions).toBe(1);
    expect(h.logs).toContainEqual(expect.stringMatching(/^could not enqueue the completion callbacks of group .+ is not acked/));
  });
});

describe("a successor that can never be written", () => {
  it("dead-letters a failed message whose retry copy cannot be encoded (100 000 nested arrays), running it once", async () => {
    const h = setup();
    let runs = 0;
    actor(
      "deep",
      () => {
        runs++;
        throw new Error("fails");
      },
      { broker: h.broker, maxRetries: 5, minBackoff: 1 },
    );
    const depth = 100_000;
    const args = `[${"[".repeat(depth)}${"]".repeat(depth)}]`;
    const id = "0b5b7c1e-9d2f-4e55-8a7e-3c1d2e4f5a6b";
    h.broker.enqueueRaw(
      "default",
      `{"queue_name":"default","actor_name":"deep","args":${args},"kwargs":{},"options":{},"message_id":"${id}","message_timestamp":1}`,
    );
    await h.start();
    await h.broker.join("default", { timeout: 10_000, failFast: false });
    await h.stop();
    expect(runs).toBe(1);
    expect(h.broker.deadLetters.map((m) => m.messageId)).toEqual([id]);
    expect(h.logs).toContainEqual(
      expect.stringMatching(
        /^could not enqueue the retry of deep\(.+\): RangeError: .*cannot succeed later, so deep\(.+\) is dead-lettered$/,
      ),
    );
  });

  it("dead-letters a failed message whose retry copy (with its traceback) exceeds maxMessageSize", async () => {
    const h = setup({ maxMessageSize: 4_096 });
    let runs = 0;
    const big = actor(
      "big",
      (_payload: string) => {
        runs++;
        throw new Error("x".repeat(2_000));
      },
      { broker: h.broker, maxRetries: 5, minBackoff: 1 },
    );
    const sent = await big.send("y".repeat(3_000));
    await h.start();
    await h.broker.join("default", { timeout: 10_000, failFast: false });
    await h.stop();
    expect(runs).toBe(1);
    expect(h.broker.deadLetters.map((m) => m.messageId)).toEqual([sent.messageId]);
    expect(h.logs).toContainEqual(expect.stringMatching(/^could not enqueue the retry of big\(.+\): MessageTooLarge: .*is dead-lettered$/));
  });

  it("dead-letters a message whose onSuccess callback names an undeclared actor", async () => {
    const h = setup();
    let runs = 0;
    const lonely = actor(
      "lonely",
      () => {
        runs++;
      },
      { broker: h.broker, onSuccess: "nobody_declared_this" },
    );
    const sent = await lonely.send();
    await h.start();
    await h.broker.join("default", { timeout: 10_000, failFast: false });
    await h.stop();
    expect(runs).toBe(1);
    expect(h.broker.deadLetters.map((m) => m.messageId)).toEqual([sent.messageId]);
    expect(h.logs).toContainEqual(expect.stringMatching(/onSuccess callback nobody_declared_this .*ActorNotFound/));
  });
});

describe("other after-hook errors", () => {
  it("are only logged: the message is acked, not returned or dead-lettered", async () => {
    const h = setup();
    const buggy: Middleware = {
      afterProcessMessage() {
        throw new Error("a bug in some middleware");
      },
    };
    h.broker.addMiddleware(buggy);
    let runs = 0;
    const work = actor(
      "work",
      () => {
        runs++;
      },
      { broker: h.broker },
    );
    await work.send();
    await h.start();
    await h.broker.join("default", { timeout: 10_000 });
    await h.stop();
    expect(runs).toBe(1);
    expect(h.broker.deadLetters).toHaveLength(0);
    expect(h.returned()).toBe(0);
    expect(h.logs).toContainEqual(expect.stringMatching(/afterProcessMessage failed: Error: a bug in some middleware/));
  });

  it("do not stop the hooks after a SuccessorNotEnqueued, which emitAfter throws once they all ran", () => {
    const ran: string[] = [];
    const unwritten = new SuccessorNotEnqueued("the next thing", new ConnectionError("down"));
    const broker = new MemoryBroker({
      middleware: [
        { afterAck: () => void ran.push("first") },
        {
          afterAck: () => {
            ran.push("second");
            throw unwritten;
          },
        },
      ],
    });
    expect(() => broker.emitAfter("afterAck", {} as Message)).toThrow(unwritten);
    expect(ran).toEqual(["second", "first"]);
    expect(unwritten.permanent).toBe(false);
  });
});
