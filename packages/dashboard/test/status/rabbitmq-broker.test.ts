import { RabbitmqBroker } from "@troupe/broker-rabbitmq";
import { actor, deadLetterQueueName, delayQueueName, uuid4, Worker } from "@troupe/core";
import amqp from "amqplib";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { RedisStatusStore } from "../../src/status/redis-status-store.js";
import { Status } from "../../src/status/status.js";
import { states, untilState } from "./support/harness.js";
import { deleteNamespace, quietLogger, REDIS_URL, uniqueNamespace } from "./support/redis.js";

const RABBITMQ_URL = process.env.TROUPE_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";

describe("Status on RabbitmqBroker", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("records the same transitions: records do not depend on the broker", async () => {
    const queueName = `status_${uuid4().slice(0, 8)}`;
    const broker = new RabbitmqBroker({ url: RABBITMQ_URL, logger: quietLogger });
    const store = new RedisStatusStore({ url: REDIS_URL, namespace: uniqueNamespace("rabbit") });
    broker.addMiddleware(new Status({ store }));
    const worker = new Worker(broker, { concurrency: 2, workerTimeout: 50, queues: [queueName] });
    cleanups.push(async () => {
      await worker.stop();
      await broker.close();
      const admin = new Redis(REDIS_URL);
      await deleteNamespace(admin, store.namespace);
      admin.disconnect();
      await store.close();
      const connection = await amqp.connect(RABBITMQ_URL);
      const channel = await connection.createChannel();
      for (const name of [queueName, delayQueueName(queueName), deadLetterQueueName(queueName)]) await channel.deleteQueue(name);
      await connection.close();
    });
    const echo = actor(
      "echo",
      (text: string) => {
        if (text === "bad") throw new SyntaxError("bad input");
        return text;
      },
      { broker, queueName, maxRetries: 0 },
    );
    await worker.start();
    const good = await echo.send("hello");
    const bad = await echo.send("bad");
    const done = await untilState(store, good.messageId, "succeeded");
    expect(states(done)).toEqual(["queued", "running", "succeeded"]);
    expect(done).toMatchObject({ actorName: "echo", queueName, args: '["hello"]' });
    const dead = await untilState(store, bad.messageId, "dead-lettered");
    expect(states(dead)).toEqual(["queued", "running", "failed", "dead-lettered"]);
    expect(dead.transitions[2].error).toMatchObject({ type: "SyntaxError", message: "bad input" });
  });
});
