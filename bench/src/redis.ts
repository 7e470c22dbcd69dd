/**
 * `pnpm bench redis [--count N] [--rounds R]`: Troupe's RedisBroker beside BullMQ,
 * bee-queue and a raw ioredis reliable queue (Lua batch fetch + batched acks, the
 * ceiling), all on the same Redis, in alternating order. Per system: bulk enqueue
 * of N no-op messages, processing them at concurrency 100 and 10, and the start
 * latency of single messages sent every 5 ms to an idle worker.
 * `pnpm bench redis --memory [--count N]`: worker RSS/heap while a backlog drains.
 * `pnpm bench redis --otel [--count N] [--rounds R]`: process/s with and without `@troupe/opentelemetry`.
 * `pnpm bench redis --status [--count N] [--rounds R]`: process/s with and without `@troupe/dashboard`'s `Status` middleware.
 * Set TROUPE_REDIS_URL to use another Redis.
 */
import { randomUUID } from "node:crypto";
import { RedisBroker } from "@troupe/broker-redis";
import { actor, Worker as TroupeWorker } from "@troupe/core";
import BeeQueue from "bee-queue";
import { Queue as BullQueue, Worker as BullWorker } from "bullmq";
import { Redis } from "ioredis";
import { compareOtel } from "./otel.ts";
import { compareStatus } from "./status-cost.ts";

const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";
const LATENCY_SAMPLES = 200;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One system under test: bulk enqueue, then run a worker until `count` handlers ran. */
interface System {
  name: string;
  enqueue(count: number): Promise<void>;
  /** Starts a worker; `onRun(sentAt)` is called by every handler. */
  startWorker(concurrency: number, onRun: (sentAt: number) => void): Promise<void>;
  sendOne(sentAt: number): Promise<void>;
  close(): Promise<void>;
}

interface Figures {
  enqueuePerSec: number;
  processPerSec: Record<number, number>;
  p50: number;
  p99: number;
}

function troupe(): System {
  const namespace = `bench-troupe-${randomUUID().slice(0, 8)}`;
  const producer = new RedisBroker({ url: REDIS_URL, namespace, logger: quiet });
  let consumer: RedisBroker | undefined;
  let worker: TroupeWorker | undefined;
  const send = actor("noop", (_t: number) => {}, { broker: producer, queueName: "bench" });
  return {
    name: "troupe",
    async enqueue(count) {
      for (let i = 0; i < count; i += 5_000) await send.sendMany(Array.from({ length: Math.min(5_000, count - i) }, () => [0] as [number]));
    },
    async startWorker(concurrency, onRun) {
      consumer = new RedisBroker({ url: REDIS_URL, namespace, logger: quiet });
      actor("noop", (t: number) => onRun(t), { broker: consumer, queueName: "bench" });
      worker = new TroupeWorker(consumer, { concurrency, queues: ["bench"] });
      await worker.start();
    },
    async sendOne(sentAt) {
      await send.send(sentAt);
    },
    async close() {
      await worker?.stop();
      await consumer?.close();
      await producer.flush("bench");
      await producer.client.del(`${namespace}:__heartbeats__`);
      await producer.close();
    },
  };
}

function bullmq(): System {
  const name = `bench-bull-${randomUUID().slice(0, 8)}`;
  const connection = { url: REDIS_URL, maxRetriesPerRequest: null } as never;
  const queue = new BullQueue(name, { connection });
  let worker: BullWorker | undefined;
  const opts = { removeOnComplete: true, removeOnFail: true };
  return {
    name: "bullmq",
    async enqueue(count) {
      for (let i = 0; i < count; i += 5_000) {
        await queue.addBulk(Array.from({ length: Math.min(5_000, count - i) }, () => ({ name: "noop", data: { t: 0 }, opts })));
      }
    },
    async startWorker(concurrency, onRun) {
      worker = new BullWorker(name, async (job) => onRun(job.data.t), { connection, concurrency });
      await worker.waitUntilReady();
    },
    async sendOne(sentAt) {
      await queue.add("noop", { t: sentAt }, opts);
    },
    async close() {
      await worker?.close();
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}

function beeQueue(): System {
  const prefix = `bench-bee-${randomUUID().slice(0, 8)}`;
  const settings = { prefix, redis: { url: REDIS_URL }, removeOnSuccess: true, removeOnFailure: true };
  const producer = new BeeQueue("bench", { ...settings, isWorker: false, getEvents: false });
  let consumer: BeeQueue | undefined;
  return {
    name: "bee-queue",
    async enqueue(count) {
      for (let i = 0; i < count; i += 5_000) {
        await producer.saveAll(Array.from({ length: Math.min(5_000, count - i) }, () => producer.createJob({ t: 0 })));
      }
    },
    async startWorker(concurrency, onRun) {
      consumer = new BeeQueue("bench", { ...settings, getEvents: false, sendEvents: false });
      consumer.process(concurrency, async (job: BeeQueue.Job<{ t: number }>) => onRun(job.data.t));
      await consumer.ready();
    },
    async sendOne(sentAt) {
      await producer.createJob({ t: sentAt }).save();
    },
    async close() {
      await consumer?.close();
      await producer.destroy();
      await producer.close();
    },
  };
}

const RAW_FETCH = `
local ids = redis.call("LRANGE", KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #ids == 0 then return {} end
redis.call("LTRIM", KEYS[1], #ids, -1)
redis.call("SADD", KEYS[3], unpack(ids))
for i = 2, #ARGV do redis.call("SREM", KEYS[3], ARGV[i]); redis.call("HDEL", KEYS[2], ARGV[i]) end
local data = redis.call("HMGET", KEYS[2], unpack(ids))
local out = {}
for i = 1, #ids do out[#out + 1] = ids[i]; out[#out + 1] = data[i] end
return out`;

/** The ceiling: the same layout, one script per batch, no framework around it. */
function rawIoredis(): System {
  const ns = `bench-raw-${randomUUID().slice(0, 8)}`;
  const keys = [`${ns}:q`, `${ns}:q.msgs`, `${ns}:acks`];
  const client = new Redis(REDIS_URL, { enableAutoPipelining: true });
  const workerClient = new Redis(REDIS_URL);
  let running = false;
  let loop: Promise<void> | undefined;
  const push = (payloads: string[]) => {
    const pipeline = client.pipeline();
    const ids = payloads.map(() => randomUUID());
    pipeline.hset(keys[1], ...ids.flatMap((id, i) => [id, payloads[i]]));
    pipeline.rpush(keys[0], ...ids);
    return pipeline.exec();
  };
  return {
    name: "raw ioredis",
    async enqueue(count) {
      for (let i = 0; i < count; i += 5_000) await push(Array.from({ length: Math.min(5_000, count - i) }, () => '{"t":0}'));
    },
    async startWorker(concurrency, onRun) {
      running = true;
      loop = (async () => {
        let acks: string[] = [];
        while (running) {
          const flat = (await workerClient.eval(RAW_FETCH, 3, ...keys, 2 * concurrency, ...acks)) as string[];
          acks = [];
          if (flat.length === 0) {
            await sleep(1);
            continue;
          }
          const jobs: Promise<void>[] = [];
          for (let i = 0; i < flat.length; i += 2) {
            const id = flat[i];
            const data = flat[i + 1];
            jobs.push(Promise.resolve().then(() => onRun(JSON.parse(data).t)));
            acks.push(id);
          }
          await Promise.all(jobs);
        }
      })();
    },
    async sendOne(sentAt) {
      await push([JSON.stringify({ t: sentAt })]);
    },
    async close() {
      running = false;
      await loop;
      await client.del(...keys);
      client.disconnect();
      workerClient.disconnect();
    },
  };
}

const FACTORIES = [troupe, bullmq, beeQueue, rawIoredis];
const now = () => performance.timeOrigin + performance.now();

async function measure(factory: () => System, count: number, concurrency: number, withLatency: boolean): Promise<Partial<Figures>> {
  const system = factory();
  try {
    const started = now();
    await system.enqueue(count);
    const enqueuePerSec = count / ((now() - started) / 1000);
    let ran = 0;
    let done = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    const latencies: number[] = [];
    let sampling = false;
    const processStart = now();
    await system.startWorker(concurrency, (sentAt) => {
      if (sampling) latencies.push(now() - sentAt);
      else if (++ran === count) done();
    });
    await finished;
    const processPerSec = count / ((now() - processStart) / 1000);
    if (!withLatency) return { enqueuePerSec, processPerSec: { [concurrency]: processPerSec } };
    sampling = true;
    await sleep(200);
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      await system.sendOne(now());
      await sleep(5);
    }
    while (latencies.length < LATENCY_SAMPLES) await sleep(10);
    latencies.sort((a, b) => a - b);
    return {
      enqueuePerSec,
      processPerSec: { [concurrency]: processPerSec },
      p50: latencies[Math.floor(latencies.length * 0.5)],
      p99: latencies[Math.floor(latencies.length * 0.99)],
    };
  } finally {
    await system.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function numberArg(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} needs a positive integer, got ${args[at + 1]}`);
  return value;
}

async function compare(count: number, rounds: number): Promise<void> {
  const runs = new Map<string, Partial<Figures>[]>();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? FACTORIES : [...FACTORIES].reverse();
    for (const factory of order) {
      for (const concurrency of [100, 10]) {
        const figures = await measure(factory, count, concurrency, concurrency === 100);
        const name = factory().name;
        runs.set(name, [
          ...(runs.get(name) ?? []),
          { ...figures, processPerSec: undefined, ...{ [`c${concurrency}`]: figures.processPerSec?.[concurrency] } },
        ]);
        process.stdout.write(`round ${round + 1}: ${name} c=${concurrency} done\n`);
      }
    }
  }
  const rows = [...runs].map(([name, list]) => {
    const pick = (key: string) =>
      median(list.map((f) => (f as Record<string, number | undefined>)[key]).filter((v): v is number => v !== undefined));
    return { name, enqueue: pick("enqueuePerSec"), c100: pick("c100"), c10: pick("c10"), p50: pick("p50"), p99: pick("p99") };
  });
  console.log(
    `\n${count} no-op messages, ${rounds} alternating round(s), medians; latency: ${LATENCY_SAMPLES} single sends every 5 ms to an idle worker`,
  );
  console.log("system        enqueue/s   process/s c=100   process/s c=10   start p50 ms   start p99 ms");
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(12)} ${r.enqueue.toFixed(0).padStart(10)} ${r.c100.toFixed(0).padStart(17)} ${r.c10.toFixed(0).padStart(16)} ${r.p50.toFixed(2).padStart(14)} ${r.p99.toFixed(2).padStart(14)}`,
    );
  }
  const troupeRow = rows.find((r) => r.name === "troupe");
  const bullRow = rows.find((r) => r.name === "bullmq");
  if (troupeRow && bullRow) {
    console.log(
      `\ntroupe vs bullmq: enqueue ${(troupeRow.enqueue / bullRow.enqueue).toFixed(2)}x, process c=100 ${(troupeRow.c100 / bullRow.c100).toFixed(2)}x, ` +
        `c=10 ${(troupeRow.c10 / bullRow.c10).toFixed(2)}x, p50 ${troupeRow.p50.toFixed(2)} ms vs ${bullRow.p50.toFixed(2)} ms`,
    );
  }
}

async function memory(count: number): Promise<void> {
  const system = troupe();
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  try {
    console.log(`enqueueing a backlog of ${count} messages...`);
    await system.enqueue(count);
    let ran = 0;
    const started = now();
    await system.startWorker(100, () => void ran++);
    console.log("seconds  processed     rss MB   heapUsed MB");
    while (ran < count) {
      await sleep(1000);
      const usage = process.memoryUsage();
      console.log(
        `${((now() - started) / 1000).toFixed(0).padStart(7)} ${String(ran).padStart(10)} ${mb(usage.rss).padStart(10)} ${mb(usage.heapUsed).padStart(13)}`,
      );
    }
  } finally {
    await system.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const count = numberArg(args, "--count", args.includes("--memory") ? 200_000 : 20_000);
  if (args.includes("--memory")) await memory(count);
  else if (args.includes("--otel")) await compareOtel(count, numberArg(args, "--rounds", 3));
  else if (args.includes("--status")) await compareStatus(count, numberArg(args, "--rounds", 3));
  else await compare(count, numberArg(args, "--rounds", 2));
}
