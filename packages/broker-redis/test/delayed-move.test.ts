import { actor, currentMessage, EnqueueUncertain, Worker } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterEach, expect, it } from "vitest";
import { PrivateRedis } from "../../../test-support/private-redis.js";
import { TcpProxy } from "../../../test-support/tcp-proxy.js";
import { RedisBroker, type RedisDelivery } from "../src/index.js";
import { blockRedis, capturingLogger } from "./chaos-support.js";
import { quietLogger, uniqueNamespace } from "./helpers.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

const DELAYED = 50;

it(`moves ${DELAYED} delayed messages once when the move's answer is lost: the requeue that follows finds nothing, each runs once`, {
  timeout: 60_000,
}, async () => {
  const redis = await PrivateRedis.start();
  const proxy = await TcpProxy.start({ port: redis.port });
  const admin = new Redis(redis.url);
  const namespace = uniqueNamespace("move");
  const lines: string[] = [];
  const producer = new RedisBroker({ url: redis.url, namespace, logger: quietLogger });
  // The worker side reaches Redis through the proxy, so its connections can be dropped mid-move.
  const broker = new RedisBroker({
    url: `redis://127.0.0.1:${proxy.port}`,
    namespace,
    connectTimeout: 5_000,
    logger: capturingLogger(lines),
  });
  cleanup.push(async () => {
    await broker.close();
    await producer.close();
    admin.disconnect();
    await proxy.close();
    await redis.close();
  });
  const queueName = "moves";
  actor("later", (_n: number) => {}, { broker: producer, queueName });
  const sent = await producer.getActor("later").sendMany(
    Array.from({ length: DELAYED }, (_, i) => [i]),
    { delay: 60_000 },
  );

  // Hold every delay-queue copy, as a worker does until the eta.
  const consumer = broker.consume(`${queueName}.DQ`, { prefetch: DELAYED, timeout: 100 });
  const held: RedisDelivery[] = [];
  const reading = consumer[Symbol.asyncIterator]();
  await eventually(
    async () => {
      const { value } = await reading.next();
      held.push(...(value as RedisDelivery[]));
      return held.length === DELAYED;
    },
    "every delayed message is held",
    10_000,
  );

  // The worker's sending connection is open before Redis gets busy (a worker has sent before).
  await actor("warm_up", () => {}, { broker, queueName: "warm_up" }).send();
  // The move reaches a busy Redis, the connection drops before the answer, Redis then runs it.
  const { done } = await blockRedis(redis.url, 1_500);
  // What the worker does with due delayed messages.
  const moving = broker.moveDelayed(held.map((delivery) => ({ consumer, delivery }))).catch((error: unknown) => error);
  await sleep(200);
  proxy.drop();
  const error = await moving;
  // What DelayedMessages does when a move fails: hand the delay-queue copies back.
  await consumer.requeue(held);
  await done;
  await consumer.close();

  const waiting = await admin.llen(`${namespace}:${queueName}`);
  const delayedLeft = (await admin.llen(`${namespace}:${queueName}.DQ`)) + (await admin.hlen(`${namespace}:${queueName}.DQ.msgs`));
  console.log(`lost move answer: ${waiting} moved, ${delayedLeft} delay-queue copies left to run a second time`);
  expect(EnqueueUncertain.isInstance(error)).toBe(true);
  expect(waiting).toBe(DELAYED);
  expect(delayedLeft).toBe(0);
  expect(lines.some((line) => /were no longer held here \(a move whose answer was lost had already taken them\)/.test(line))).toBe(true);

  const runs = new Map<string, number>();
  actor(
    "later",
    () => {
      const id = currentMessage().message.messageId;
      runs.set(id, (runs.get(id) ?? 0) + 1);
    },
    { broker, queueName },
  );
  const worker = new Worker(broker, { concurrency: 10, queues: [queueName], workerTimeout: 100 });
  await worker.start();
  await broker.join(queueName, { timeout: 15_000 });
  await worker.stop();
  expect([...runs.keys()].sort()).toEqual(sent.map((m) => m.messageId).sort());
  expect([...runs.values()].every((n) => n === 1)).toBe(true);
});
