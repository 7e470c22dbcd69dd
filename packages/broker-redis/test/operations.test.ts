import { actor, Worker } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { RedisBroker } from "../src/index.js";
import { deleteNamespace, quietLogger, REDIS_URL, uniqueNamespace } from "./helpers.js";

const admin = new Redis(REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

function open() {
  const namespace = uniqueNamespace("ops");
  const broker = new RedisBroker({ url: REDIS_URL, namespace, logger: quietLogger });
  cleanup.push(async () => {
    await broker.close();
    await deleteNamespace(admin, namespace);
  });
  return { namespace, broker };
}

describe("operator methods", () => {
  it("queueStats counts ready, delayed (waiting and held), in flight and dead letters", async () => {
    const { broker } = open();
    let release = () => {};
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const slow = actor("slow", () => blocked, { broker, queueName: "ops" });
    const doomed = actor("doomed", () => Promise.reject(new Error("no")), { broker, queueName: "ops", maxRetries: 0 });
    await doomed.send();
    const worker = new Worker(broker, { concurrency: 1, prefetch: 1, queues: ["ops"] });
    await worker.start();
    await eventually(async () => (await broker.queueStats("ops")).deadLetters === 1, "one dead letter");
    await slow.send();
    await eventually(async () => (await broker.queueStats("ops")).inFlight === 1, "one in flight");
    await slow.sendMany([[], []]);
    await slow.sendWithOptions({ args: [], delay: 3_600_000 });
    await eventually(async () => (await broker.queueStats("ops")).delayed === 1, "the delayed one held");
    await slow.sendWithOptions({ args: [], delay: 3_600_000 });
    await worker.stop({ timeout: 100 }).finally(release);
    await slow.sendWithOptions({ args: [], delay: 3_600_000 });
    const stats = await broker.queueStats("ops");
    expect(stats).toEqual({ queueName: "ops", ready: 3, delayed: 3, inFlight: 0, deadLetters: 1 });
  });

  it("lists, requeues (same message_id, new redis_message_id) and purges dead letters", async () => {
    const { namespace, broker } = open();
    const doomed = actor("doomed", (_n: number) => Promise.reject(new Error("no")), { broker, queueName: "ops", maxRetries: 0 });
    const sent = await doomed.sendMany([[1], [2], [3]]);
    const worker = new Worker(broker, { concurrency: 3, queues: ["ops"] });
    await worker.start();
    await eventually(async () => (await broker.queueStats("ops")).deadLetters === 3, "three dead letters");
    await worker.stop();

    const listed = await broker.listDeadLetters("ops");
    expect(listed.map((d) => d.id).sort()).toEqual(sent.map((m) => m.messageId).sort());
    expect(listed.every((d) => d.message?.actorName === "doomed" && typeof d.deadAt === "number")).toBe(true);
    expect(await broker.listDeadLetters("ops", { limit: 2 })).toHaveLength(2);

    const oldRedisIds = listed.map((d) => d.message?.options.redis_message_id);
    expect(await broker.requeueDeadLetters("ops", { limit: 2 })).toBe(2);
    expect(await admin.zcard(`${namespace}:ops.XQ`)).toBe(1);
    const requeued = (await admin.hvals(`${namespace}:ops.msgs`)).map((raw) => JSON.parse(raw));
    expect(requeued).toHaveLength(2);
    for (const data of requeued) {
      expect(sent.map((m) => m.messageId)).toContain(data.message_id);
      expect(oldRedisIds).not.toContain(data.options.redis_message_id);
      expect(await admin.lpos(`${namespace}:ops`, data.options.redis_message_id)).not.toBeNull();
    }
    expect(await broker.purgeDeadLetters("ops")).toBe(1);
    expect(await admin.exists(`${namespace}:ops.XQ`, `${namespace}:ops.XQ.msgs`)).toBe(0);
  });

  it("join waits for in-flight messages and rejects with QueueJoinTimeout when the queue does not drain", async () => {
    const { broker } = open();
    const noop = actor("noop", () => {}, { broker, queueName: "ops" });
    await noop.send();
    const error = await broker.join("ops", { timeout: 100 }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("QUEUE_JOIN_TIMEOUT");
    const worker = new Worker(broker, { queues: ["ops"] });
    await worker.start();
    await broker.join("ops", { timeout: 10_000 });
    expect((await broker.queueStats("ops")).ready).toBe(0);
    await worker.stop();
  });
});
