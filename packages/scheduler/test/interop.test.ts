import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { RedisBroker } from "@troupe/broker-redis";
import { actorRef } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { loadProtocolVector, type MessageVector } from "../../../fixtures/protocol-vectors.js";
import { MemoryScheduleStore, Scheduler, TICK_ID_NAMESPACE } from "../src/index.js";
import { deleteNamespace, pythonWithRedis, quietLogger, REDIS_URL, uniqueNamespace } from "./helpers.js";

const PYTHON_WORKER = fileURLToPath(new URL("./python/dramatiq_worker.py", import.meta.url));
const admin = new Redis(REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});
afterAll(() => admin.disconnect());

/** Scheduled messages for the Python actor `scheduled_add(2, 3)`, stored on Redis: resolves once `count` are queued. */
async function scheduleForPython(count: number) {
  const namespace = uniqueNamespace("py");
  const queueName = "py_sched";
  const broker = new RedisBroker({ url: REDIS_URL, namespace, logger: quietLogger });
  const scheduler = new Scheduler({ broker, store: new MemoryScheduleStore(), logger: quietLogger });
  cleanup.push(async () => {
    await scheduler.stop();
    await broker.close();
    await deleteNamespace(admin, namespace);
  });
  const add = actorRef<[number, number], number>("scheduled_add", { queueName, broker });
  scheduler.add("py-add", add.message(2, 3), { every: 100 });
  await scheduler.start();
  await eventually(async () => (await admin.hlen(`${namespace}:${queueName}.msgs`)) >= count, `${count} scheduled messages`, 10_000);
  await scheduler.stop();
  return { namespace, queueName };
}

describe("scheduled messages are ordinary Dramatiq messages", () => {
  it("a Python worker reading Dramatiq's Redis layout runs them, and computes the same tick message_ids", async () => {
    const { namespace, queueName } = await scheduleForPython(3);
    const stored = await admin.hlen(`${namespace}:${queueName}.msgs`);
    const { stdout } = await promisify(execFile)(pythonWithRedis(), [
      PYTHON_WORKER,
      REDIS_URL,
      namespace,
      queueName,
      String(stored),
      "10000",
      "py-add",
      TICK_ID_NAMESPACE,
    ]);
    const ran = JSON.parse(stdout) as { message: Record<string, unknown>; result: unknown; python_id: string; redis_id: string }[];
    expect(ran).toHaveLength(stored);
    for (const { message, result, python_id } of ran) {
      expect(result).toBe(5);
      expect(message).toMatchObject({ queue_name: queueName, actor_name: "scheduled_add", args: [2, 3], kwargs: {} });
      expect(message.message_id).toBe(python_id);
      expect((message.message_timestamp as number) % 100).toBe(0);
    }
    // Acked as Dramatiq acks: nothing is left in the queue or its hash.
    expect(await admin.llen(`${namespace}:${queueName}`)).toBe(0);
    expect(await admin.hlen(`${namespace}:${queueName}.msgs`)).toBe(0);
  });

  it("the stored bytes have the envelope of Dramatiq's own (messages.json): keys, order, types, compact JSON", async () => {
    const { namespace, queueName } = await scheduleForPython(1);
    const vector = loadProtocolVector<MessageVector[]>("messages.json").find((v) => v.name === "plain_send")!;
    const dramatiq = JSON.parse(vector.raw) as Record<string, unknown>;
    const entries = Object.entries(await admin.hgetall(`${namespace}:${queueName}.msgs`));
    expect(entries.length).toBeGreaterThanOrEqual(1);
    for (const [field, raw] of entries) {
      const ours = JSON.parse(raw) as Record<string, unknown>;
      expect(Object.keys(ours)).toEqual(Object.keys(dramatiq));
      for (const key of Object.keys(dramatiq))
        expect([key, typeof ours[key], Array.isArray(ours[key])]).toEqual([key, typeof dramatiq[key], Array.isArray(dramatiq[key])]);
      expect(Number.isSafeInteger(ours.message_timestamp)).toBe(true);
      expect(raw).toBe(JSON.stringify(ours));
      // As Dramatiq's RedisBroker writes it: the hash field is the copy's redis_message_id.
      expect((ours.options as Record<string, unknown>).redis_message_id).toBe(field);
      expect(await admin.lpos(`${namespace}:${queueName}`, field)).not.toBeNull();
    }
  });
});
