/**
 * `pnpm bench rabbitmq [--count N] [--rounds R]`: Troupe's RabbitmqBroker beside a
 * raw amqplib loop (persistent messages, publisher confirms, prefetch 100, one ack
 * per message: the ceiling), on the same RabbitMQ, alternating, R rounds (median).
 * Per system: enqueue rate with confirms (batches of 1 000), processing rate of N
 * no-op messages at concurrency 100, and the start latency of single messages sent
 * every 5 ms to an idle worker.
 * `pnpm bench rabbitmq --memory [--count N]`: worker RSS/heap while a backlog
 * (default 200 000) drains, printed every second.
 * Set TROUPE_RABBITMQ_URL to use another RabbitMQ.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { RabbitmqBroker } from "@troupe/broker-rabbitmq";
import { actor, Worker } from "@troupe/core";
import amqp from "amqplib";

const URL = process.env.TROUPE_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const BATCH = 1_000;
const LATENCY_SAMPLES = 200;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();

interface System {
  name: string;
  enqueue(count: number): Promise<void>;
  /** Starts a consumer; `onRun(sentAt)` is called for every message handled. */
  startWorker(concurrency: number, onRun: (sentAt: number) => void): Promise<void>;
  sendOne(sentAt: number): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

interface Figures {
  enqueuePerSec: number;
  processPerSec: number;
  p50: number;
  p99: number;
}

function troupe(queueName: string): System {
  const producer = new RabbitmqBroker({ url: URL, logger: quiet });
  const consumer = new RabbitmqBroker({ url: URL, logger: quiet });
  let worker: Worker | undefined;
  let onRun: (sentAt: number) => void = () => {};
  const send = actor("noop", (_t: number) => {}, { broker: producer, queueName });
  actor("noop", (t: number) => onRun(t), { broker: consumer, queueName });
  return {
    name: "troupe",
    async enqueue(count) {
      for (let i = 0; i < count; i += BATCH) await send.sendMany(Array.from({ length: Math.min(BATCH, count - i) }, () => [0] as [number]));
    },
    async startWorker(concurrency, run) {
      onRun = run;
      worker = new Worker(consumer, { concurrency, queues: [queueName] });
      await worker.start();
    },
    async sendOne(sentAt) {
      await send.send(sentAt);
    },
    async stopWorker() {
      await worker?.stop();
    },
    async close() {
      await producer.flush(queueName);
      await consumer.close();
      await producer.close();
    },
  };
}

/** The ceiling: amqplib used directly, with the same durability (persistent + confirms). */
function rawAmqplib(queueName: string): System {
  let connection: amqp.ChannelModel | undefined;
  let publisher: amqp.ConfirmChannel | undefined;
  let consumer: amqp.Channel | undefined;
  // A body of the same size as Troupe's encoded message.
  const body = (t: number) =>
    Buffer.from(
      JSON.stringify({
        queue_name: queueName,
        actor_name: "noop",
        args: [t],
        kwargs: {},
        options: {},
        message_id: randomUUID(),
        message_timestamp: Date.now(),
      }),
    );
  const open = async () => {
    connection ??= await amqp.connect(URL, { noDelay: true });
    publisher ??= await connection.createConfirmChannel();
    await publisher.assertQueue(queueName, { durable: true });
    return publisher;
  };
  return {
    name: "amqplib (raw)",
    async enqueue(count) {
      const channel = await open();
      for (let i = 0; i < count; i += BATCH) {
        for (let j = 0; j < Math.min(BATCH, count - i); j++) channel.sendToQueue(queueName, body(0), { persistent: true });
        await channel.waitForConfirms();
      }
    },
    async startWorker(_concurrency, onRun) {
      await open();
      consumer = await (connection as amqp.ChannelModel).createChannel();
      await consumer.prefetch(100);
      const channel = consumer;
      await channel.consume(queueName, (message) => {
        if (!message) return;
        onRun(JSON.parse(message.content.toString()).args[0]);
        channel.ack(message);
      });
    },
    async sendOne(sentAt) {
      const channel = await open();
      await new Promise<void>((resolve, reject) =>
        channel.sendToQueue(queueName, body(sentAt), { persistent: true }, (error) => (error ? reject(error) : resolve())),
      );
    },
    async stopWorker() {
      await consumer?.close();
      consumer = undefined;
    },
    async close() {
      await publisher?.deleteQueue(queueName);
      await connection?.close();
    },
  };
}

async function measure(make: (queueName: string) => System, count: number): Promise<Figures> {
  const queueName = `bench_rmq_${randomUUID().slice(0, 8)}`;
  const system = make(queueName);
  try {
    let started = now();
    await system.enqueue(count);
    const enqueuePerSec = count / ((now() - started) / 1000);

    let done = 0;
    let finished: () => void = () => {};
    const allDone = new Promise<void>((resolve) => {
      finished = resolve;
    });
    started = now();
    await system.startWorker(100, () => {
      if (++done === count) finished();
    });
    await allDone;
    const processPerSec = count / ((now() - started) / 1000);
    await system.stopWorker();

    const latencies: number[] = [];
    await system.startWorker(100, (sentAt) => {
      if (sentAt > 0) latencies.push(now() - sentAt);
    });
    await sleep(200);
    const sends: Promise<void>[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      sends.push(system.sendOne(now()));
      await sleep(5);
    }
    await Promise.all(sends);
    while (latencies.length < LATENCY_SAMPLES) await sleep(10);
    await system.stopWorker();
    latencies.sort((a, b) => a - b);
    return {
      enqueuePerSec,
      processPerSec,
      p50: latencies[Math.floor(latencies.length * 0.5)],
      p99: latencies[Math.floor(latencies.length * 0.99)],
    };
  } finally {
    await system.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function compare(count: number, rounds: number): Promise<void> {
  const systems = [troupe, rawAmqplib];
  const results = new Map<string, Figures[]>();
  for (let round = 1; round <= rounds; round++) {
    // Alternate the order so neither system always runs on a warmer broker.
    for (const make of round % 2 ? systems : [...systems].reverse()) {
      const name = make("probe").name;
      const figures = await measure(make, count);
      results.set(name, [...(results.get(name) ?? []), figures]);
      console.log(
        `round ${round} ${name}: enqueue ${figures.enqueuePerSec.toFixed(0)}/s, process ${figures.processPerSec.toFixed(0)}/s, p50 ${figures.p50.toFixed(3)} ms, p99 ${figures.p99.toFixed(3)} ms`,
      );
    }
  }
  const summary = [...results].map(([name, all]) => ({
    system: name,
    "enqueue/s": Math.round(median(all.map((f) => f.enqueuePerSec))),
    "process/s": Math.round(median(all.map((f) => f.processPerSec))),
    "p50 ms": Number(median(all.map((f) => f.p50)).toFixed(3)),
    "p99 ms": Number(median(all.map((f) => f.p99)).toFixed(3)),
  }));
  console.log(`\nRabbitMQ, ${count} no-op messages, concurrency 100, median of ${rounds} round(s):`);
  console.table(summary);
  const [ours, ceiling] = summary;
  console.log(
    `troupe / raw: enqueue ${((100 * ours["enqueue/s"]) / ceiling["enqueue/s"]).toFixed(0)}%, process ${((100 * ours["process/s"]) / ceiling["process/s"]).toFixed(0)}% (target ≥ 80%); troupe p50 ${ours["p50 ms"]} ms (target < 1 ms)`,
  );
}

async function memory(count: number): Promise<void> {
  const queueName = `bench_rmq_mem_${randomUUID().slice(0, 8)}`;
  const producer = new RabbitmqBroker({ url: URL, logger: quiet });
  const send = actor("noop", (_t: number) => {}, { broker: producer, queueName });
  console.log(`enqueueing a backlog of ${count} messages on ${queueName}...`);
  for (let i = 0; i < count; i += 5_000) await send.sendMany(Array.from({ length: Math.min(5_000, count - i) }, () => [0] as [number]));
  await producer.close();

  const consumer = new RabbitmqBroker({ url: URL, logger: quiet });
  let done = 0;
  actor("noop", () => void done++, { broker: consumer, queueName });
  const worker = new Worker(consumer, { concurrency: 100, queues: [queueName] });
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  const report = () => {
    const usage = process.memoryUsage();
    console.log(`${String(done).padStart(7)} processed  rss ${mb(usage.rss)} MB  heap used ${mb(usage.heapUsed)} MB`);
  };
  report();
  await worker.start();
  const timer = setInterval(report, 1000);
  while (done < count) await sleep(50);
  clearInterval(timer);
  report();
  await worker.stop();
  await consumer.flush(queueName);
  await consumer.close();
}

export async function run(args: string[]): Promise<void> {
  const option = (name: string, fallback: number) => {
    const index = args.indexOf(name);
    return index >= 0 ? Number(args[index + 1]) : fallback;
  };
  if (args.includes("--memory")) await memory(option("--count", 200_000));
  else await compare(option("--count", 20_000), option("--rounds", 3));
}
