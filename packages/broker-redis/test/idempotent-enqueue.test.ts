import { actor, currentMessage, Worker } from "@troupe/core";
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
  const namespace = uniqueNamespace("idem");
  const broker = new RedisBroker({ url: REDIS_URL, namespace, logger: quietLogger });
  cleanup.push(async () => {
    await broker.close();
    await deleteNamespace(admin, namespace);
  });
  const key = (name: string) => `${namespace}:${name}`;
  return { broker, key };
}

describe("on Redis, enqueue is idempotent per message copy", () => {
  it("stores a Message object sent twice once, delayed or not, alone or in a batch", async () => {
    const { broker, key } = open();
    const work = actor("work", (_n: number) => {}, { broker, queueName: "idem" });
    const once = work.message(1);
    await broker.enqueue(once);
    await broker.enqueue(once);
    const batch = [work.message(2), work.message(3)];
    await broker.enqueueMany(batch);
    await broker.enqueueMany(batch);
    const later = work.message(4);
    await broker.enqueue(later, { delay: 60_000 });
    await broker.enqueue(later, { delay: 60_000 });
    expect(await admin.llen(key("idem"))).toBe(3);
    expect(await admin.hlen(key("idem.msgs"))).toBe(3);
    expect(await admin.llen(key("idem.DQ"))).toBe(1);
    // Dramatiq's layout: the hash field is the copy's redis_message_id, also in its options.
    const [id] = await admin.lrange(key("idem"), 0, 0);
    expect(JSON.parse((await admin.hget(key("idem.msgs"), id)) as string).options.redis_message_id).toBe(id);
  });

  it("stores once the retry copy that two deliveries of one copy make (a redelivery after a lost answer)", async () => {
    const { broker, key } = open();
    const work = actor("work", (_n: number) => {}, { broker, queueName: "idem_retry" });
    await work.send(1);
    const [id] = await admin.lrange(key("idem_retry"), 0, 0);
    const raw = (await admin.hget(key("idem_retry.msgs"), id)) as string;
    // Two deliveries of the same stored copy decode to two objects; each makes its retry as Retries does.
    for (let delivery = 0; delivery < 2; delivery++) {
      const { message } = broker.decodeMessage(raw);
      await broker.enqueue(message!.copy({ options: { retries: 1 } }), { delay: 60_000 });
    }
    expect(await admin.llen(key("idem_retry.DQ"))).toBe(1);
    const [retryId] = await admin.lrange(key("idem_retry.DQ"), 0, 0);
    expect(retryId).not.toBe(id);
  });

  it("does not deduplicate retries: each is a new copy with the same message_id", async () => {
    const { broker } = open();
    const copies: string[] = [];
    const messageIds = new Set<string>();
    const flaky = actor(
      "flaky",
      () => {
        const { message } = currentMessage();
        copies.push(message.options.redis_message_id as string);
        messageIds.add(message.messageId);
        if (copies.length < 4) throw new Error("not yet");
      },
      { broker, queueName: "idem_flaky", maxRetries: 5, minBackoff: 1, maxBackoff: 10 },
    );
    await flaky.send();
    const worker = new Worker(broker, { concurrency: 1, queues: ["idem_flaky"], workerTimeout: 50 });
    await worker.start();
    await broker.join("idem_flaky", { timeout: 15_000 });
    await worker.stop();
    expect(copies).toHaveLength(4);
    expect(new Set(copies).size).toBe(4);
    expect(messageIds.size).toBe(1);
  });
});
