import { describe, expect, it } from "vitest";
import { actor, actorRef, brokerFromUrl, InvalidOption, MemoryBroker, Message, redactUrl } from "../src/index.js";
import { until, useHarness } from "./harness.js";

describe("actors and sending", () => {
  const current = useHarness();

  it.each([
    ["undefined", [undefined], /arguments\[0\] is undefined/],
    ["a function", [() => 1], /arguments\[0\] is a function/],
    ["a BigInt", [10n], /arguments\[0\] is a BigInt/],
    ["NaN", [Number.NaN], /arguments\[0\] is NaN/],
    ["a Date", [new Date()], /arguments\[0\] is a Date instance/],
    ["a nested Map", [{ deep: new Map() }], /arguments\[0\]\.deep is a Map instance/],
  ])("rejects %s with a TypeError before anything is enqueued", async (_name, args, pattern) => {
    const h = current();
    const loose = actor("loose", (..._args: unknown[]) => {}, { broker: h.broker });
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bypassing the types
    await expect(() => (loose as any).send(...args)).rejects.toThrow(pattern);
    expect((await h.broker.queueStats("default")).ready).toBe(0);
  });

  it("rejects cyclic arguments with a TypeError", async () => {
    const h = current();
    const loose = actor("cyclic", (_x: unknown) => {}, { broker: h.broker });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bypassing the types
    await expect(() => (loose as any).send(cycle)).rejects.toThrow(/circular reference/);
  });

  it("writes per-message options in snake_case and callbacks as actor names", () => {
    const h = current();
    const done = actor("done", () => {}, { broker: h.broker });
    const add = actor("add", (x: number, y: number) => x + y, { broker: h.broker });
    const message = add.messageWithOptions({ args: [1, 2], maxRetries: 3, timeLimit: 1000, onSuccess: done, brokerPriority: 5 });
    expect(message.options).toEqual({ max_retries: 3, time_limit: 1000, on_success: "done", broker_priority: 5 });
  });

  it("sends through an actorRef without declaring the actor here", async () => {
    const h = current();
    const remote = actorRef<[string], void>("send_email", { queueName: "emails", broker: h.broker });
    const sent = await remote.send("a@b.c");
    expect(sent.queueName).toBe("emails");
    expect(h.broker.actors.has("send_email")).toBe(false);
    expect((await h.broker.queueStats("emails")).ready).toBe(1);
  });

  it("binds actors declared before any broker to the broker set later", async () => {
    // Needs a process where no global broker was set yet: vitest runs each test file in a fresh one.
    const fresh = await import("../src/index.js");
    expect(fresh.peekBroker()).toBeUndefined();
    const late = fresh.actor("late_bound", (n: number) => n);
    const broker = new fresh.MemoryBroker();
    fresh.setBroker(broker);
    expect(broker.actors.get("late_bound")).toBe(late);
    expect(late.broker).toBe(broker);
  });

  it("passes a foreign producer's kwargs only to actors that opt in, dead-lettering the rest", async () => {
    const h = current();
    const got: unknown[][] = [];
    actor("with_kwargs", (...args: unknown[]) => void got.push(args), { broker: h.broker, kwargs: true });
    actor("without_kwargs", () => void got.push(["should not run"]), { broker: h.broker });
    const foreign = (actorName: string) => new Message({ queueName: "default", actorName, args: [1], kwargs: { y: 2 } }).encode() as string;
    h.broker.enqueueRaw("default", foreign("with_kwargs"));
    h.broker.enqueueRaw("default", foreign("without_kwargs"));
    await h.start();
    await until(() => got.length === 1 && h.broker.deadLetters.length === 1, "one ran and one was dead-lettered");
    expect(got).toEqual([[1, { y: 2 }]]);
    expect(h.broker.deadLetters[0].actorName).toBe("without_kwargs");
    expect(h.logs.some((l) => l.includes("declare it with { kwargs: true }"))).toBe(true);
  });

  it("join with failFast rejects with the error of the first dead-lettered message", async () => {
    const h = current();
    actor(
      "fatal",
      () => {
        throw new Error("fatal error");
      },
      { broker: h.broker, maxRetries: 0 },
    );
    await h.start();
    await h.broker.enqueueMany([new Message({ queueName: "default", actorName: "fatal", args: [] })]);
    await expect(h.broker.join("default", { failFast: true, timeout: 5_000 })).rejects.toThrow("fatal error");
  });
});

describe("brokerFromUrl", () => {
  it("builds a memory broker for memory://", async () => {
    expect(await brokerFromUrl("memory://")).toBeInstanceOf(MemoryBroker);
  });

  it("refuses an unknown scheme with the supported ones, hiding the password", async () => {
    await expect(brokerFromUrl("kafka://user:secret@host")).rejects.toSatisfy(
      (e) => InvalidOption.isInstance(e) && /redis:\/\//.test((e as Error).message) && !(e as Error).message.includes("secret"),
    );
  });

  it("redacts passwords in URLs", () => {
    expect(redactUrl("redis://:hunter2@localhost:6379/0")).toBe("redis://:***@localhost:6379/0");
    expect(redactUrl("amqp://guest:guest@localhost")).toBe("amqp://guest:***@localhost");
    expect(redactUrl("redis://localhost")).toBe("redis://localhost");
  });
});
