import { actor, ConnectionError, MemoryBroker } from "@troupe/core";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryScheduleStore, RedisScheduleStore, Scheduler, ScheduleTracking } from "../src/index.js";
import { deleteNamespace, quietLogger, REDIS_URL, uniqueNamespace } from "./helpers.js";

const admin = new Redis(REDIS_URL);
afterAll(() => admin.disconnect());

describe("options", () => {
  it("refuse unknown keys, naming the closest known one", () => {
    const store = new MemoryScheduleStore();
    expect(() => new Scheduler({ store, leese: 1 } as never)).toThrow(/unknown option "leese" for Scheduler; did you mean "lease"\?/);
    expect(() => new RedisScheduleStore({ namespce: "x" } as never)).toThrow(
      /unknown option "namespce" for RedisScheduleStore; did you mean "namespace"\?/,
    );
    expect(() => new ScheduleTracking({ store, stor: store } as never)).toThrow(/unknown option "stor"/);
    expect(() => new RedisScheduleStore({ connect_timeout: 1 } as never)).toThrow(
      /unknown option "connect_timeout" for RedisScheduleStore; did you mean "connectTimeout"\?/,
    );
  });

  it("RedisScheduleStore passes redisOptions to the client it makes from url", async () => {
    const namespace = uniqueNamespace("db");
    const store = new RedisScheduleStore({ url: REDIS_URL, redisOptions: { db: 6 }, namespace });
    const request = { owner: "o", now: 1_000, tick: undefined, messageId: undefined, lease: 1_000, downAfter: 5_000 };
    await store.step("nightly", { ...request, catchUp: 0, skipWhileRunning: false });
    const db6 = new Redis(REDIS_URL, { db: 6 });
    expect([await db6.hget(`${namespace}:nightly`, "cursor"), await admin.exists(`${namespace}:nightly`)]).toEqual(["1000", 0]);
    await deleteNamespace(db6, namespace);
    await Promise.all([db6.quit(), store.close()]);
  });

  it("a Scheduler needs a store and a positive lease", () => {
    expect(() => new Scheduler({} as never)).toThrow(/needs a store/);
    expect(() => new Scheduler({ store: new MemoryScheduleStore(), lease: 0 })).toThrow(/lease must be/);
  });

  it("start() rejects with ConnectionError when the store's Redis cannot be reached, and leaves nothing running", async () => {
    const broker = new MemoryBroker({ logger: quietLogger });
    const ping = actor("ping", () => {}, { broker });
    const store = new RedisScheduleStore({ url: "redis://127.0.0.1:1", connectTimeout: 300 });
    const scheduler = new Scheduler({ broker, store, logger: quietLogger }).add("ping", ping.message(), { every: 1_000 });
    const error = await scheduler.start().catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1/);
    expect(scheduler.started).toBe(false);
    await store.close();
  });

  it("RedisScheduleStore uses a given client as is, keys under its namespace, and leaves the client open", async () => {
    const namespace = uniqueNamespace("client");
    const client = new Redis(REDIS_URL);
    const store = new RedisScheduleStore({ client, namespace });
    await store.step("nightly", {
      owner: "o",
      now: 1_000,
      tick: undefined,
      messageId: undefined,
      lease: 1_000,
      downAfter: 5_000,
      catchUp: 0,
      skipWhileRunning: false,
    });
    expect(await admin.hget(`${namespace}:nightly`, "cursor")).toBe("1000");
    await store.close();
    expect(await client.ping()).toBe("PONG");
    client.disconnect();
    await deleteNamespace(admin, namespace);
  });

  it("Scheduler.isInstance recognises a Scheduler by its marker, which the CLI reads too", () => {
    const scheduler = new Scheduler({ store: new MemoryScheduleStore() });
    expect(Scheduler.isInstance(scheduler)).toBe(true);
    expect((scheduler as unknown as Record<symbol, unknown>)[Symbol.for("troupe.scheduler")]).toBe(true);
    expect(Scheduler.isInstance({ start() {}, stop() {} })).toBe(false);
  });

  it("the default namespace is troupe-schedules", () => {
    expect(new RedisScheduleStore({ client: admin }).key("nightly")).toBe("troupe-schedules:nightly");
  });
});
