/**
 * `pnpm bench redis --status [--count N] [--rounds R]`: the cost of `@troupe/dashboard`'s
 * `Status` middleware. Troupe's RedisBroker bulk-enqueues N no-op messages and a worker
 * (concurrency 100, or 10) processes them, without the middleware and with it on both
 * sides writing to a `RedisStatusStore` on the same Redis. Enqueueing counts until the
 * producer's records are written (its `Status` flushed), so processing is timed on its own,
 * as without the middleware; "recorded/s" counts until the last record reads `succeeded`;
 * "cpu µs/msg" is this process's CPU time per message while processing (Redis's not
 * included), steadier than the rates on a machine shared with other work.
 * Rounds alternate the order; medians are printed.
 */
import { randomUUID } from "node:crypto";
import { RedisBroker } from "@troupe/broker-redis";
import { actor, Worker } from "@troupe/core";
import { RedisStatusStore, Status } from "@troupe/dashboard";
import { Redis } from "ioredis";

const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Figures {
  enqueue: number;
  process: number;
  /** CPU time of this process (the worker's, the producer being idle) per message while processing, µs. */
  cpu: number;
  /** Messages per second counted until the last message's record read `succeeded` (with the middleware). */
  recorded?: number;
}

async function measure(count: number, concurrency: number, withStatus: boolean): Promise<Figures> {
  const namespace = `bench-status-${randomUUID().slice(0, 8)}`;
  const producer = new RedisBroker({ url: REDIS_URL, namespace, logger: quiet });
  const consumer = new RedisBroker({ url: REDIS_URL, namespace, logger: quiet });
  const stores = withStatus ? [0, 1].map(() => new RedisStatusStore({ url: REDIS_URL, namespace: `${namespace}-status` })) : [];
  const producerStatus = withStatus ? new Status({ store: stores[0] }) : undefined;
  if (producerStatus) {
    producer.addMiddleware(producerStatus);
    consumer.addMiddleware(new Status({ store: stores[1] }));
  }
  const send = actor("noop", (_t: number) => {}, { broker: producer, queueName: "bench" });
  let ran = 0;
  let done = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  actor(
    "noop",
    () => {
      if (++ran === count) done();
    },
    { broker: consumer, queueName: "bench" },
  );
  const worker = new Worker(consumer, { concurrency, queues: ["bench"] });
  try {
    const enqueueStart = now();
    let last = "";
    for (let i = 0; i < count; i += 5_000) {
      const sent = await send.sendMany(Array.from({ length: Math.min(5_000, count - i) }, () => [0] as [number]));
      last = sent[sent.length - 1].messageId;
    }
    await producerStatus?.flush();
    const enqueue = count / ((now() - enqueueStart) / 1000);
    const processStart = now();
    const cpuStart = globalThis.process.cpuUsage();
    await worker.start();
    await finished;
    const process = count / ((now() - processStart) / 1000);
    const used = globalThis.process.cpuUsage(cpuStart);
    const cpu = (used.user + used.system) / count;
    if (!withStatus) return { enqueue, process, cpu };
    while ((await stores[0].get(last))?.state !== "succeeded") await sleep(2);
    return { enqueue, process, cpu, recorded: count / ((now() - processStart) / 1000) };
  } finally {
    await worker.stop();
    await consumer.close();
    await producer.flush("bench");
    await producer.client.del(`${namespace}:__heartbeats__`);
    await producer.close();
    if (withStatus) await deleteKeys(`${namespace}-status`);
    for (const store of stores) await store.close();
  }
}

async function deleteKeys(namespace: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${namespace}:*`, "COUNT", 5_000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== "0");
  redis.disconnect();
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function compareStatus(count: number, rounds: number): Promise<void> {
  const runs = new Map<string, Figures[]>();
  for (let round = 0; round < rounds; round++) {
    for (const concurrency of [100, 10]) {
      const order = round % 2 === 0 ? [false, true] : [true, false];
      for (const withStatus of order) {
        const key = `${withStatus ? "status" : "plain"} c=${concurrency}`;
        runs.set(key, [...(runs.get(key) ?? []), await measure(count, concurrency, withStatus)]);
        process.stdout.write(`round ${round + 1}: ${key} done\n`);
      }
    }
  }
  const pick = (key: string, field: keyof Figures) => median((runs.get(key) ?? []).map((f) => f[field] ?? 0));
  console.log(`\n${count} no-op messages on Redis, ${rounds} alternating round(s), medians`);
  console.log("variant                     enqueue/s   process/s   recorded/s   cpu µs/msg");
  for (const concurrency of [100, 10]) {
    const plain = `plain c=${concurrency}`;
    const status = `status c=${concurrency}`;
    console.log(
      `without Status, c=${String(concurrency).padEnd(4)} ${pick(plain, "enqueue").toFixed(0).padStart(12)} ${pick(plain, "process").toFixed(0).padStart(11)} ${"".padStart(12)} ${pick(plain, "cpu").toFixed(1).padStart(12)}`,
    );
    console.log(
      `with Status, c=${String(concurrency).padEnd(4)}    ${pick(status, "enqueue").toFixed(0).padStart(12)} ${pick(status, "process").toFixed(0).padStart(11)} ${pick(status, "recorded").toFixed(0).padStart(12)} ${pick(status, "cpu").toFixed(1).padStart(12)}`,
    );
    console.log(
      `  with / without, c=${concurrency}: enqueue ${((pick(status, "enqueue") / pick(plain, "enqueue")) * 100).toFixed(1)}%, ` +
        `process ${((pick(status, "process") / pick(plain, "process")) * 100).toFixed(1)}%`,
    );
  }
}
