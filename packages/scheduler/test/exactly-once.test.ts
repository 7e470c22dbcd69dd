import { RedisBroker } from "@troupe/broker-redis";
import { actor, MemoryBroker, type Message, Worker } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { RedisScheduleStore, Scheduler, type ScheduleStore, ScheduleTracking, tickMessageId } from "../src/index.js";
import { tickMessage } from "../src/tick-message.js";
import { captureEnqueues, deleteNamespace, quietLogger, REDIS_URL, storeKinds, uniqueNamespace } from "./helpers.js";

const admin = new Redis(REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});
afterAll(() => admin.disconnect());

/** Counts per tick time, and the ticks missing between the first and the last one. */
function tally(messages: Message[], every: number) {
  const perTick = new Map<number, number>();
  for (const message of messages) perTick.set(message.messageTimestamp, (perTick.get(message.messageTimestamp) ?? 0) + 1);
  const ticks = [...perTick.keys()].sort((a, b) => a - b);
  const missing: number[] = [];
  for (let tick = ticks[0]; tick <= ticks.at(-1)!; tick += every) if (!perTick.has(tick)) missing.push(tick);
  const doubled = [...perTick].filter(([, count]) => count > 1).map(([tick]) => tick);
  return { ticks: ticks.length, missing, doubled };
}

/** Steps a store as a scheduler process would, to claim `tick` and then "die" holding it. */
async function claimAndDie(store: ScheduleStore, name: string, every: number, lease: number): Promise<number> {
  const base = { owner: "ghost", lease, downAfter: 5_000, catchUp: 0, skipWhileRunning: false };
  const first = await store.step(name, { ...base, now: Date.now(), tick: undefined, messageId: undefined });
  const tick = Math.floor(first.cursor / every) * every + every;
  await eventually(() => Date.now() >= tick, "the tick is due", 5_000);
  const claim = await store.step(name, { ...base, now: Date.now(), tick, messageId: tickMessageId(name, tick) });
  expect(claim).toMatchObject({ outcome: "claimed", tick });
  return tick;
}

describe.each(storeKinds(admin))("exactly once per tick on $name", (kind) => {
  it("4 schedulers on one store enqueue each of 150 ticks (every 20 ms) once: none missing, none doubled", {
    timeout: 30_000,
  }, async () => {
    const stores = kind.open();
    const broker = new MemoryBroker({ logger: quietLogger });
    const ping = actor("ping", () => {}, { broker });
    // The memory broker stores whatever it is sent: every enqueue counts, duplicates too. Each
    // send takes a few ms, as a real broker's round trip does, so the schedulers' steps interleave.
    broker.addMiddleware({ beforeEnqueue: () => sleep(3) });
    const sent = captureEnqueues(broker);
    const schedulers = Array.from({ length: 4 }, () =>
      new Scheduler({ broker, store: stores.handle(), logger: quietLogger }).add("ping", ping.message(), { every: 20 }),
    );
    cleanup.push(async () => {
      for (const scheduler of schedulers) await scheduler.stop();
      await stores.close();
    });
    await Promise.all(schedulers.map((scheduler) => scheduler.start()));
    await eventually(() => new Set(sent.map((m) => m.messageTimestamp)).size >= 150, "150 ticks", 20_000);
    await Promise.all(schedulers.map((scheduler) => scheduler.stop()));
    const { ticks, missing, doubled } = tally(sent, 20);
    expect(ticks).toBeGreaterThanOrEqual(150);
    expect(missing).toEqual([]);
    expect(doubled).toEqual([]);
    for (const message of sent) expect(message.messageId).toBe(tickMessageId("ping", message.messageTimestamp));
  });

  it("finishes a tick whose claimant died before enqueueing it once its lease runs out, then goes on in order", async () => {
    const stores = kind.open();
    const broker = new MemoryBroker({ logger: quietLogger });
    const ping = actor("ping", () => {}, { broker });
    const sent = captureEnqueues(broker);
    const lease = 300;
    const tick = await claimAndDie(stores.handle(), "ping", 100, lease);
    const scheduler = new Scheduler({ broker, store: stores.handle(), lease, logger: quietLogger }).add("ping", ping.message(), {
      every: 100,
    });
    cleanup.push(async () => {
      await scheduler.stop();
      await stores.close();
    });
    await scheduler.start();
    // The dead claim blocks later ticks until its lease runs out; none of them counts as missed.
    await eventually(() => sent.length >= 5, "the claimed tick and four more", 10_000);
    await scheduler.stop();
    expect(sent[0].messageTimestamp).toBe(tick);
    expect(sent[0].messageId).toBe(tickMessageId("ping", tick));
    const { missing, doubled } = tally(sent, 100);
    expect(missing).toEqual([]);
    expect(doubled).toEqual([]);
    expect(sent.map((m) => m.messageTimestamp)).toEqual([...sent.map((m) => m.messageTimestamp)].sort((a, b) => a - b));
  });

  it("completes, without sending it again, a tick whose message ran before its claimant could complete it", async () => {
    const stores = kind.open();
    const broker = new MemoryBroker({ logger: quietLogger });
    const ping = actor("ping", () => {}, { broker });
    const sent = captureEnqueues(broker);
    broker.addMiddleware(new ScheduleTracking({ store: stores.handle() }));
    const worker = new Worker(broker, { workerTimeout: 20 });
    const lease = 300;
    const ghost = stores.handle();
    const tick = await claimAndDie(ghost, "ping", 100, lease);
    // The dead claimant had sent its tick, and a worker ran it and reported it finished.
    await broker.enqueue(tickMessage("ping", ping.message(), tick));
    await worker.start();
    await eventually(async () => (await ghost.read("ping"))?.finished === tickMessageId("ping", tick), "the tick's message finished");
    const scheduler = new Scheduler({ broker, store: stores.handle(), lease, logger: quietLogger }).add("ping", ping.message(), {
      every: 100,
    });
    cleanup.push(async () => {
      await scheduler.stop();
      await worker.stop();
      await stores.close();
    });
    await scheduler.start();
    await eventually(() => sent.some((m) => m.messageTimestamp > tick), "the next tick is sent", 10_000);
    await scheduler.stop();
    expect(sent.filter((m) => m.messageTimestamp === tick)).toHaveLength(1);
    expect(sent.find((m) => m.messageTimestamp > tick)?.messageTimestamp).toBe(tick + 100);
    expect((await ghost.read("ping"))?.claim).toBeUndefined();
  });
});

describe("a re-sent tick on the Redis broker", () => {
  it("is stored once when its claimant died after enqueueing it and before completing it", async () => {
    const namespace = uniqueNamespace("resend");
    const broker = new RedisBroker({ url: REDIS_URL, namespace, logger: quietLogger });
    const store = new RedisScheduleStore({ url: REDIS_URL, namespace: `${namespace}:schedules` });
    cleanup.push(async () => {
      await scheduler.stop();
      await store.close();
      await broker.close();
      await deleteNamespace(admin, namespace);
    });
    const ping = actor("ping", () => {}, { broker, queueName: "resend" });
    const sends = captureEnqueues(broker);
    const tick = await claimAndDie(store, "ping", 100, 300);
    // The dead claimant had sent its tick: the same message, as every process builds it.
    await broker.enqueue(tickMessage("ping", ping.message(), tick));
    const scheduler = new Scheduler({ broker, store, lease: 300, logger: quietLogger }).add("ping", ping.message(), { every: 100 });
    await scheduler.start();
    await eventually(() => sends.length >= 4, "the re-sent tick and more", 10_000);
    await scheduler.stop();
    // Sent twice (recognisable by its message_id), stored once.
    expect(sends.filter((m) => m.messageTimestamp === tick)).toHaveLength(2);
    const stored = Object.values(await admin.hgetall(`${namespace}:resend.msgs`)).map((raw) => JSON.parse(raw));
    expect(stored.filter((data) => data.message_id === tickMessageId("ping", tick))).toHaveLength(1);
    expect(await admin.llen(`${namespace}:resend`)).toBe(stored.length);
    expect(new Set(stored.map((data) => data.message_id)).size).toBe(stored.length);
  });
});
