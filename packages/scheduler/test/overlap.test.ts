import { RedisBroker } from "@troupe/broker-redis";
import { actor, actorRef, currentMessage, Worker } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { RedisScheduleStore, Scheduler, ScheduleTracking } from "../src/index.js";
import { deleteNamespace, quietLogger, REDIS_URL, uniqueNamespace } from "./helpers.js";

const admin = new Redis(REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});
afterAll(() => admin.disconnect());

type Event = { kind: "enqueue" | "start" | "failed" | "done"; id: string };

/**
 * A scheduler and a worker as two processes would have them: each its own Redis broker
 * and store handle. The actor takes 120 ms, far longer than the 50 ms between ticks, and
 * the first message fails once, so it waits on the delay queue for its retry.
 */
async function run(overlap: "allow" | "skip", completions: number) {
  const namespace = uniqueNamespace("overlap");
  const queueName = "slow";
  const events: Event[] = [];
  const producer = new RedisBroker({ url: REDIS_URL, namespace, logger: quietLogger });
  const consumer = new RedisBroker({ url: REDIS_URL, namespace, logger: quietLogger });
  const schedulerStore = new RedisScheduleStore({ url: REDIS_URL, namespace: `${namespace}:schedules` });
  const workerStore = new RedisScheduleStore({ url: REDIS_URL, namespace: `${namespace}:schedules` });
  consumer.addMiddleware(new ScheduleTracking({ store: workerStore }));
  // Recorded before the message is sent: once Redis has it, the worker may start it before the
  // producer hears back (it is woken in the same Redis step), so afterEnqueue could come after 'start'.
  producer.addMiddleware({ beforeEnqueue: (_b, message) => void events.push({ kind: "enqueue", id: message.messageId }) });
  let failedOnce = false;
  actor(
    "slow",
    async () => {
      const id = currentMessage().message.messageId;
      events.push({ kind: "start", id });
      await sleep(120);
      if (!failedOnce) {
        failedOnce = true;
        events.push({ kind: "failed", id });
        throw new Error("first run fails");
      }
      events.push({ kind: "done", id });
    },
    { broker: consumer, queueName, maxRetries: 3, minBackoff: 150, maxBackoff: 150 },
  );
  const worker = new Worker(consumer, { concurrency: 4, queues: [queueName], workerTimeout: 50 });
  const scheduler = new Scheduler({ broker: producer, store: schedulerStore, logger: quietLogger });
  scheduler.add("slow", actorRef("slow", { queueName, broker: producer }).message(), { every: 50, overlap });
  cleanup.push(async () => {
    await scheduler.stop();
    await worker.stop();
    for (const closable of [producer, consumer, schedulerStore, workerStore]) await closable.close();
    await deleteNamespace(admin, namespace);
  });
  await worker.start();
  await scheduler.start();
  await eventually(() => events.filter((e) => e.kind === "done").length >= completions, `${completions} runs finished`, 20_000);
  await scheduler.stop();
  return events;
}

/** For each enqueue after the first: whether the previous message had finished (its last run ended well) before it. */
function waitedForPrevious(events: Event[]): boolean[] {
  const enqueues = events.map((e, index) => ({ ...e, index })).filter((e) => e.kind === "enqueue");
  return enqueues.slice(1).map((enqueue, i) => {
    const previous = enqueues[i].id;
    const done = events.findIndex((e) => e.kind === "done" && e.id === previous);
    return done !== -1 && done < enqueue.index;
  });
}

describe('overlap: "skip"', () => {
  it("never enqueues a tick while the previous tick's message is queued, waiting for a retry, or running", {
    timeout: 30_000,
  }, async () => {
    const events = await run("skip", 4);
    const waited = waitedForPrevious(events);
    expect(waited.length).toBeGreaterThanOrEqual(3);
    expect(waited.every(Boolean)).toBe(true);
    // The first message failed, waited for its retry, and only then finished.
    const first = events.find((e) => e.kind === "enqueue")!.id;
    expect(events.filter((e) => e.id === first).map((e) => e.kind)).toEqual(["enqueue", "start", "failed", "start", "done"]);
  });

  it('(with "allow", ticks are enqueued while the previous message runs: the check above can fail)', { timeout: 30_000 }, async () => {
    const events = await run("allow", 2);
    expect(waitedForPrevious(events).some((waited) => !waited)).toBe(true);
  });
});
