import { RedisBroker } from "@troupe/broker-redis";
import { actor, uuid4, Worker } from "@troupe/core";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { loadProtocolVector, type MessageVector } from "../../../../fixtures/protocol-vectors.js";
import { getStatus } from "../../src/status/get-status.js";
import { RedisStatusStore } from "../../src/status/redis-status-store.js";
import { Status } from "../../src/status/status.js";
import { states, until, untilState } from "./support/harness.js";
import { deleteNamespace, quietLogger, REDIS_URL, uniqueNamespace } from "./support/redis.js";

const vectors = loadProtocolVector<MessageVector[]>("messages.json");
const vector = (name: string) => vectors.find((v) => v.name === name) as MessageVector;

/** A Redis broker and worker with the Status middleware, sharing one status namespace. */
function setup() {
  const namespace = uniqueNamespace("broker");
  const statusNamespace = `${namespace}-status`;
  const admin = new Redis(REDIS_URL);
  const closers: (() => Promise<void>)[] = [];
  const open = () => {
    const broker = new RedisBroker({ url: REDIS_URL, namespace, logger: quietLogger });
    const store = new RedisStatusStore({ url: REDIS_URL, namespace: statusNamespace });
    broker.addMiddleware(new Status({ store }));
    closers.push(async () => {
      await broker.close();
      await store.close();
    });
    return { broker, store };
  };
  return {
    namespace,
    admin,
    open,
    async startWorker(broker: RedisBroker, queues: string[]) {
      const worker = new Worker(broker, { concurrency: 4, workerTimeout: 50, queues });
      await worker.start();
      closers.unshift(() => worker.stop());
      return worker;
    },
    async close() {
      for (const close of closers) await close();
      await deleteNamespace(admin, namespace);
      await deleteNamespace(admin, statusNamespace);
      admin.disconnect();
    },
  };
}

/** A vector's bytes with a fresh message id (and Redis message id), stored as a Python producer stores them. */
async function writePython(s: ReturnType<typeof setup>, name: string): Promise<string> {
  const { raw, queue_key } = vector(name);
  const data = JSON.parse(raw) as { message_id: string; options: { redis_message_id: string } };
  const messageId = uuid4();
  const redisId = uuid4();
  const bytes = raw.replace(data.message_id, messageId).replace(data.options.redis_message_id, redisId);
  const queue = queue_key.replace(/^dramatiq:/, "").replace(/\.msgs$/, "");
  await s.admin.hset(`${s.namespace}:${queue}.msgs`, redisId, bytes);
  await s.admin.rpush(`${s.namespace}:${queue}`, redisId);
  return messageId;
}

describe("Status on RedisBroker", () => {
  let s: ReturnType<typeof setup>;
  afterEach(() => s?.close());

  it("records a message sent by one process and run by another", async () => {
    s = setup();
    const producer = s.open();
    const consumer = s.open();
    const send = actor("double", (n: number) => n * 2, { broker: producer.broker, queueName: `q${uuid4().slice(0, 6)}` });
    actor("double", (n: number) => n * 2, { broker: consumer.broker, queueName: send.queueName });
    await s.startWorker(consumer.broker, [send.queueName]);
    const message = await send.send(21);
    const record = await untilState(producer.store, message.messageId, "succeeded");
    expect(states(record)).toEqual(["queued", "running", "succeeded"]);
    expect(record).toMatchObject({ actorName: "double", queueName: send.queueName, args: "[21]" });
    expect((await getStatus(message.messageId, { broker: producer.broker }))?.state).toBe("succeeded");
    expect((await producer.store.search({ actorName: "double" })).records.map((r) => r.messageId)).toEqual([message.messageId]);
  });

  it("records a failure and its dead letter", async () => {
    s = setup();
    const { broker, store } = s.open();
    const fails = actor(
      "fails",
      () => {
        throw new Error("broken");
      },
      { broker, queueName: "status_fail", maxRetries: 0 },
    );
    await s.startWorker(broker, ["status_fail"]);
    const message = await fails.send();
    const record = await untilState(store, message.messageId, "dead-lettered");
    expect(states(record)).toEqual(["queued", "running", "failed", "dead-lettered"]);
    expect(record.transitions[2].error).toMatchObject({ type: "Error", message: "broken" });
    expect((await store.search({ state: "dead-lettered" })).records).toHaveLength(1);
  });

  it("records messages from Python producers when a Troupe worker runs them, first seen running", async () => {
    s = setup();
    const { broker, store } = s.open();
    actor("add", (x: number, y: number | { y: number }) => x + (typeof y === "number" ? y : y.y), {
      broker,
      queueName: "vectors_q",
      kwargs: true,
    });
    await s.startWorker(broker, ["vectors_q"]);
    const plain = await writePython(s, "plain_send");
    const withKwargs = await writePython(s, "kwargs");
    const delayed = await writePython(s, "delayed_send");
    // The record is whole from its first sight: the worker writes the arguments with it.
    let seen: Awaited<ReturnType<typeof store.get>>;
    await until(async () => (seen = await store.get(withKwargs)) !== undefined, "the worker records the message");
    expect(seen).toMatchObject({ args: "[1]", kwargs: '{"y":2}' });
    const first = await untilState(store, plain, "succeeded");
    expect(states(first)).toEqual(["running", "succeeded"]);
    expect(first).toMatchObject({ actorName: "add", queueName: "vectors_q", args: "[1,2]" });
    expect(first.options).toHaveProperty("redis_message_id");
    const second = await untilState(store, withKwargs, "succeeded");
    expect(second).toMatchObject({ args: "[1]", kwargs: '{"y":2}' });
    // A delayed Python message is first seen when the worker moves it from the delay queue, due.
    expect(states(await untilState(store, delayed, "succeeded"))).toEqual(["queued", "running", "succeeded"]);
  });
});
