import {
  AgeLimit,
  actor,
  currentMessage,
  MemoryBroker,
  type Message,
  type Middleware,
  Retries,
  SkipMessage,
  TimeLimit,
  Message as TroupeMessage,
} from "@troupe/core";
import { describe, expect, it } from "vitest";
import { getStatus } from "../../src/status/get-status.js";
import { MemoryStatusStore } from "../../src/status/memory-status-store.js";
import { Status } from "../../src/status/status.js";
import type { StatusEvent } from "../../src/status/status-store.js";
import { sleep, states, until, untilState, useStatusHarness } from "./support/harness.js";
import { quietLogger } from "./support/redis.js";

describe("Status middleware", () => {
  const open = useStatusHarness();

  it("records queued, running and succeeded, with the arguments, options and run time", async () => {
    const h = open();
    const add = actor("add", (a: number, b: number) => a + b, { broker: h.broker });
    await h.start();
    const message = await add.sendWithOptions({ args: [1, 2], maxRetries: 3 });
    const record = await untilState(h.store, message.messageId, "succeeded");
    expect(states(record)).toEqual(["queued", "running", "succeeded"]);
    expect(record).toMatchObject({ actorName: "add", queueName: "default", args: "[1,2]", retries: 0 });
    expect(record.options).toEqual({ max_retries: 3 });
    expect(record.durationMs).toBeGreaterThanOrEqual(0);
    expect(record.kwargs).toBeUndefined();
    const at = record.transitions.map((t) => t.at);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it("records a delayed message as delayed, then queued when it comes due", async () => {
    const h = open();
    const later = actor("later", () => {}, { broker: h.broker });
    await h.start();
    const message = await later.sendWithOptions({ args: [], delay: 50 });
    expect((await h.status.read(message.messageId))?.state).toBe("delayed");
    const record = await untilState(h.store, message.messageId, "succeeded");
    expect(states(record)).toEqual(["delayed", "queued", "running", "succeeded"]);
    expect(record.queueName).toBe("default");
  });

  it("records a failure Retries will retry as retrying, with its error and traceback", async () => {
    const h = open();
    let runs = 0;
    const flaky = actor(
      "flaky",
      () => {
        if (++runs === 1) throw new TypeError("first run fails");
      },
      { broker: h.broker, minBackoff: 20, maxBackoff: 20 },
    );
    await h.start();
    const message = await flaky.send();
    const record = await untilState(h.store, message.messageId, "succeeded");
    expect(states(record)).toEqual(["queued", "running", "retrying", "queued", "running", "succeeded"]);
    const retrying = record.transitions[2];
    expect(retrying.error).toMatchObject({ type: "TypeError", message: "first run fails" });
    expect(retrying.error?.traceback).toContain("first run fails");
    expect(record.retries).toBe(1);
    expect(record.options).not.toHaveProperty("traceback");
  });

  it("records failed then dead-lettered when retries run out", async () => {
    const h = open();
    const fails = actor(
      "fails",
      () => {
        throw new RangeError("nope");
      },
      { broker: h.broker, maxRetries: 1, minBackoff: 10, maxBackoff: 10 },
    );
    await h.start();
    const message = await fails.send();
    const record = await untilState(h.store, message.messageId, "dead-lettered");
    expect(states(record)).toEqual(["queued", "running", "retrying", "queued", "running", "failed", "dead-lettered"]);
    expect(record.transitions[5].error).toMatchObject({ type: "RangeError", message: "nope" });
    expect(record.transitions[2].error?.traceback).toBeUndefined();
    expect(record.transitions[5].error?.traceback).toContain("RangeError");
    expect(record.retries).toBe(2);
  });

  it("decides retrying or failed after Retries, wherever Status sits in the middleware list", async () => {
    const h = open();
    const broker = new MemoryBroker({ logger: quietLogger, middleware: [] });
    const store = new MemoryStatusStore();
    broker.addMiddleware(new Status({ store }));
    broker.addMiddleware(new Retries({ minBackoff: 10, maxBackoff: 10, maxRetries: 1 }));
    const fails = actor(
      "fails",
      () => {
        throw new Error("x");
      },
      { broker },
    );
    await h.start({}, broker);
    const message = await fails.send();
    const record = await untilState(store, message.messageId, "dead-lettered");
    expect(states(record)).toEqual(["queued", "running", "retrying", "queued", "running", "failed", "dead-lettered"]);
  });

  it("records failed, and no dead letter, when nothing retries or dead-letters the message", async () => {
    const h = open({ broker: { middleware: [] } });
    const fails = actor(
      "fails",
      () => {
        throw new Error("alone");
      },
      { broker: h.broker },
    );
    await h.start();
    const message = await fails.send();
    const record = await untilState(h.store, message.messageId, "failed");
    await h.status.flush();
    expect(states(await h.store.get(message.messageId))).toEqual(["queued", "running", "failed"]);
    expect(record.transitions[2].error).toMatchObject({ type: "Error", message: "alone" });
  });

  it("records a time limit as failed with TimeLimitExceeded", async () => {
    const h = open();
    const slow = actor(
      "slow",
      async () => {
        await new Promise((resolve) => currentMessage().signal.addEventListener("abort", resolve));
      },
      { broker: h.broker, timeLimit: 30, maxRetries: 0 },
    );
    await h.start();
    const message = await slow.send();
    const record = await untilState(h.store, message.messageId, "dead-lettered");
    expect(states(record)).toEqual(["queued", "running", "failed", "dead-lettered"]);
    expect(record.transitions[2].error).toMatchObject({ type: "TimeLimitExceeded", message: "actor exceeded its time limit of 30 ms" });
  });

  it("records skipped, and dead-lettered when the skip failed the message", async () => {
    const h = open();
    const skipper: Middleware = {
      beforeProcessMessage(_broker, message: Message) {
        if (message.args[0] === "fail") message.fail();
        throw new SkipMessage();
      },
    };
    h.broker.addMiddleware(skipper, { before: AgeLimit });
    const skipped = actor("skipped", (_mode: string) => {}, { broker: h.broker });
    await h.start();
    const plain = await skipped.send("plain");
    const failed = await skipped.send("fail");
    expect(states(await untilState(h.store, plain.messageId, "skipped"))).toEqual(["queued", "skipped"]);
    expect(states(await untilState(h.store, failed.messageId, "dead-lettered"))).toEqual(["queued", "skipped", "dead-lettered"]);
  });

  it("records aborted when a shutdown stops a notifyShutdown actor, and when the worker abandons a run", async () => {
    const h = open();
    const notified = actor(
      "notified",
      async () => {
        await new Promise((resolve) => currentMessage().signal.addEventListener("abort", resolve));
        throw currentMessage().signal.reason;
      },
      { broker: h.broker, notifyShutdown: true },
    );
    const stubborn = actor("stubborn", () => new Promise(() => {}), { broker: h.broker, queueName: "stubborn" });
    const worker = await h.start({ shutdownTimeout: 50 });
    const a = await notified.send();
    const b = await stubborn.send();
    await untilState(h.store, a.messageId, "running");
    await untilState(h.store, b.messageId, "running");
    await worker.stop();
    const first = await h.store.get(a.messageId);
    expect(states(first)).toEqual(["queued", "running", "aborted"]);
    expect(first?.transitions[2].error?.type).toBe("Shutdown");
    const second = await h.store.get(b.messageId);
    expect(states(second)).toEqual(["queued", "running", "aborted"]);
    expect(second?.transitions[2].error).toMatchObject({ type: "Shutdown" });
  });

  it("records dead-lettered, with the reason, for a message the worker refuses", async () => {
    const h = open();
    actor("known", () => {}, { broker: h.broker });
    await h.start();
    const ghost = new TroupeMessage({ queueName: "default", actorName: "ghost", args: [7] });
    await h.broker.enqueue(ghost);
    const record = await untilState(h.store, ghost.messageId, "dead-lettered");
    expect(states(record)).toEqual(["queued", "dead-lettered"]);
    expect(record.transitions[1].error?.type).toBe("ActorNotFound");
  });

  it("answers message.getStatus() and getStatus(id), seeing this process's own buffered changes", async () => {
    const h = open({ status: { flushInterval: 60_000 } });
    const add = actor("add", (a: number) => a, { broker: h.broker });
    const message = await add.send(1);
    expect(await h.store.get(message.messageId)).toBeUndefined();
    expect((await message.getStatus())?.state).toBe("queued");
    expect((await getStatus(message.messageId, { broker: h.broker }))?.state).toBe("queued");
    expect((await getStatus(message.messageId, { store: h.store }))?.state).toBe("queued");
    const bare = new MemoryBroker({ logger: quietLogger });
    await expect(getStatus(message.messageId, { broker: bare })).rejects.toThrow(/needs the Status middleware/);
  });

  it("writes a visible change within a second without being asked", async () => {
    const h = open();
    const add = actor("add", (a: number) => a, { broker: h.broker });
    const message = await add.send(1);
    const sentAt = Date.now();
    await untilState(h.store, message.messageId, "queued", 1_000);
    expect(Date.now() - sentAt).toBeLessThan(1_000);
  });

  it("batches: far fewer store writes than transitions", async () => {
    const writes: number[] = [];
    class CountingStore extends MemoryStatusStore {
      override write(events: readonly StatusEvent[], ttl: number): Promise<void> {
        writes.push(events.length);
        return super.write(events, ttl);
      }
    }
    const broker = new MemoryBroker({ logger: quietLogger });
    const store = new CountingStore();
    const status = new Status({ store });
    broker.addMiddleware(status);
    const add = actor("add", (a: number) => a, { broker });
    const h = open();
    await h.start({ concurrency: 50 }, broker);
    const sent = await add.sendMany(Array.from({ length: 300 }, (_, i) => [i] as [number]));
    await broker.join("default");
    await until(async () => (await store.get(sent[299].messageId))?.state === "succeeded", "the last message is recorded");
    await status.flush();
    const events = writes.reduce((a, b) => a + b, 0);
    expect(events).toBe(900);
    expect(writes.length).toBeLessThan(events / 10);
  });

  it("checks its options", () => {
    const store = new MemoryStatusStore();
    expect(() => new Status({ store, ttl: 0 })).toThrow(/ttl must be a positive number/);
    expect(() => new Status({ store, flush: 1 } as never)).toThrow(/unknown option "flush"/);
    expect(() => new Status({} as never)).toThrow(/needs a store/);
  });

  it("keeps a time-limited actor's record untouched by TimeLimit's own bookkeeping", async () => {
    // TimeLimit is in the default list; a quick actor under a limit succeeds normally.
    const h = open();
    const quick = actor("quick", () => sleep(1), { broker: h.broker, timeLimit: 5_000 });
    await h.start();
    const message = await quick.send();
    expect(states(await untilState(h.store, message.messageId, "succeeded"))).toEqual(["queued", "running", "succeeded"]);
    expect(h.broker.getMiddleware(TimeLimit)).toBeDefined();
  });
});
