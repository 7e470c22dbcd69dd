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
