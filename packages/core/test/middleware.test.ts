import { describe, expect, it } from "vitest";
import { actor, InvalidOption, MemoryBroker, type Middleware, MiddlewareError, Retries, TimeLimit } from "../src/index.js";
import { useHarness } from "./harness.js";

describe("middleware and the broker base", () => {
  const current = useHarness();

  it("places middleware before or after a given class", () => {
    const broker = new MemoryBroker();
    const early: Middleware = {};
    const late: Middleware = {};
    broker.addMiddleware(early, { before: TimeLimit });
    broker.addMiddleware(late, { after: Retries });
    const names = broker.middleware.map((m) => m.constructor.name);
    expect(broker.middleware.indexOf(early)).toBe(names.indexOf("TimeLimit") - 1);
    expect(broker.middleware.indexOf(late)).toBe(names.indexOf("Retries") + 1);
  });

  it("replays declared queues and actors to middleware added later", () => {
    const broker = new MemoryBroker();
    actor("early_bird", () => {}, { broker, queueName: "dawn" });
    const seen: string[] = [];
    broker.addMiddleware({
      afterDeclareQueue: (_b, name) => void seen.push(`queue ${name}`),
      afterDeclareDelayQueue: (_b, name) => void seen.push(`delay ${name}`),
      afterDeclareActor: (_b, a) => void seen.push(`actor ${a.actorName}`),
    });
    expect(seen).toEqual(["queue dawn", "delay dawn.DQ", "actor early_bird"]);
  });

  it("aborts an enqueue when a before-hook throws, and enqueues nothing", async () => {
    const h = current();
    h.broker.addMiddleware({
      beforeEnqueue() {
        throw new MiddlewareError("quota exceeded");
      },
    });
    const send = actor("guarded", () => {}, { broker: h.broker });
    await expect(send.send()).rejects.toThrow("quota exceeded");
    expect((await h.broker.queueStats("default")).ready).toBe(0);
  });

  it("logs a before-hook error that is not a MiddlewareError with its stack, and the enqueue and the message go on", async () => {
    const h = current();
    const ran: string[] = [];
    h.broker.addMiddleware({
      beforeEnqueue() {
        throw new TypeError("buggy enqueue hook");
      },
      async beforeProcessMessage() {
        throw new RangeError("buggy process hook");
      },
    });
    const send = actor("carries_on", (word: string) => void ran.push(word), { broker: h.broker });
    await h.start();
    await send.send("hello");
    await h.broker.join("default");
    expect(ran).toEqual(["hello"]);
    const errors = h.logs.filter((l) => l.startsWith("error"));
    expect(errors.some((l) => l.includes("beforeEnqueue failed: TypeError: buggy enqueue hook") && l.includes("    at "))).toBe(true);
    expect(errors.some((l) => l.includes("beforeProcessMessage failed: RangeError: buggy process hook"))).toBe(true);
  });

  it("fails a message whose beforeProcessMessage raises a MiddlewareError, without running the actor", async () => {
    const h = current();
    let ran = 0;
    h.broker.addMiddleware({
      beforeProcessMessage() {
        throw new MiddlewareError("not allowed");
      },
    });
    const send = actor("refused", () => void ran++, { broker: h.broker, maxRetries: 0 });
    await h.start();
    await send.send();
    await h.broker.join("default", { failFast: false });
    expect(ran).toBe(0);
    expect(h.broker.deadLetters.map((m) => m.actorName)).toEqual(["refused"]);
  });

  it("warns when the same middleware instance is added twice, and runs its hooks once", async () => {
    const h = current();
    let enqueues = 0;
    const counter = { beforeEnqueue: () => void enqueues++ };
    h.broker.addMiddleware(counter);
    h.broker.addMiddleware(counter);
    await actor("counted", () => {}, { broker: h.broker }).send();
    expect(enqueues).toBe(1);
    expect(h.logs.some((l) => l.startsWith("warn") && l.includes("added to this broker twice"))).toBe(true);
  });

  it("logs and swallows errors from after-hooks", async () => {
    const h = current();
    h.broker.addMiddleware({
      afterEnqueue() {
        throw new Error("metrics down");
      },
    });
    const send = actor("observed", () => {}, { broker: h.broker });
    await send.send();
    expect((await h.broker.queueStats("default")).ready).toBe(1);
    expect(h.logs.some((l) => l.startsWith("error") && l.includes("afterEnqueue failed") && l.includes("metrics down"))).toBe(true);
  });

  it("rejects an actor option no middleware reads, naming the missing middleware", () => {
    const broker = new MemoryBroker();
    expect(() => actor("needs_results", () => 1, { broker, storeResults: true })).toThrow(InvalidOption);
    expect(() => actor("needs_results", () => 1, { broker, storeResults: true })).toThrow(/Results middleware/);
  });
});
