import { actor, Worker } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { RedisBroker, type RedisBrokerOptions } from "../src/index.js";
import { deleteNamespace, quietLogger, REDIS_URL, uniqueNamespace } from "./helpers.js";

const admin = new Redis(REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

/** A broker whose worker dead-letters every message of queue "why" at once, and the keys beside q.XQ. */
async function deadLettering(options: RedisBrokerOptions = {}) {
  const namespace = uniqueNamespace("reasons");
  const broker = new RedisBroker({ url: REDIS_URL, namespace, logger: quietLogger, ...options });
  const worker = new Worker(broker, { queues: ["why"], workerTimeout: 50 });
  cleanup.push(async () => {
    await worker.stop();
    await broker.close();
    await deleteNamespace(admin, namespace);
  });
  const doomed = actor("doomed", (n: number) => Promise.reject(new Error(`no ${n}`)), { broker, queueName: "why", maxRetries: 0 });
  const kill = async (count: number) => {
    await doomed.sendMany(Array.from({ length: count }, (_, n) => [n] as [number]));
    await eventually(async () => (await broker.queueStats("why")).deadLetters === count, `${count} dead letters`);
  };
  return { broker, worker, kill, xq: `${namespace}:why.XQ` };
}

describe("on Redis, why a message was dead-lettered", () => {
  it("is kept in q.XQ.reasons beside Dramatiq's two keys, listed with the dead letter, and deleted with it", async () => {
    const { broker, worker, kill, xq } = await deadLettering();
    await worker.start();
    await kill(3);
    const letters = await broker.listDeadLetters("why");
    expect(letters.map((letter) => letter.reason).sort()).toEqual(["Error: no 0", "Error: no 1", "Error: no 2"]);
    const ids = await admin.zrange(xq, 0, -1);
    expect((await admin.hmget(`${xq}.reasons`, ...ids)).sort()).toEqual(["Error: no 0", "Error: no 1", "Error: no 2"]);

    await worker.stop();
    expect(await broker.requeueDeadLetters("why", { limit: 1 })).toBe(1);
    expect(await admin.hlen(`${xq}.reasons`)).toBe(2);
    expect(await broker.purgeDeadLetters("why")).toBe(2);
    expect(await admin.exists(`${xq}.reasons`)).toBe(0);
  });

  it("expires with its dead letter, and maintenance drops a reason whose dead letter a Dramatiq worker expired", async () => {
    const { broker, worker, kill, xq } = await deadLettering({ deadMessageTtl: 1_500, maintenanceInterval: 200 });
    await worker.start();
    await kill(2);
    // Dramatiq's maintenance knows only q.XQ and q.XQ.msgs: it leaves the reason behind.
    const [first] = await admin.zrange(xq, 0, 0);
    await admin.zrem(xq, first);
    await admin.hdel(`${xq}.msgs`, first);
    await eventually(async () => (await admin.hexists(`${xq}.reasons`, first)) === 0, "the orphaned reason is dropped", 5_000);
    expect(await admin.hlen(`${xq}.reasons`)).toBe(1);
    await eventually(async () => (await broker.queueStats("why")).deadLetters === 0, "the other dead letter expired", 10_000);
    expect(await admin.exists(`${xq}.reasons`, `${xq}.msgs`)).toBe(0);
  });
});
