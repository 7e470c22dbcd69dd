/**
 * `pnpm bench redis --otel [--count N] [--rounds R]`: the cost of `@troupe/opentelemetry`.
 * Troupe's RedisBroker bulk-enqueues N no-op messages and a worker (concurrency 100)
 * processes them, without the middleware and with it on both sides, reporting to an
 * SDK (BatchSpanProcessor, a MeterProvider, the async-hooks context manager) whose
 * exporters drop everything: every trace sampled (the SDK's default), then 10% of
 * traces (a common production setting). "cpu µs/msg" is this process's CPU time per
 * message while processing, steadier than the rates on a machine shared with other work.
 * Rounds rotate the order; medians are printed.
 */
import { randomUUID } from "node:crypto";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import { RedisBroker } from "@troupe/broker-redis";
import { actor, Worker } from "@troupe/core";
import { OpenTelemetry } from "@troupe/opentelemetry";

const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const SUCCESS = { code: 0 };

/** Exporters that accept and drop: the SDK does all its work, nothing leaves the process. */
const dropSpans: SpanExporter = { export: (_spans, done) => done(SUCCESS), shutdown: async () => {} };
const dropMetrics: PushMetricExporter = {
  export: (_metrics, done) => done(SUCCESS),
  forceFlush: async () => {},
  shutdown: async () => {},
};

/** An SDK whose exporters drop everything; `sampler` as the SDK's default (every trace) when not given. */
function sdk(sampler?: Sampler) {
  const tracerProvider = new BasicTracerProvider({ sampler, spanProcessors: [new BatchSpanProcessor(dropSpans)] });
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: dropMetrics, exportIntervalMillis: 10_000 })],
  });
  return {
    tracerProvider,
    meterProvider,
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

type Sdk = ReturnType<typeof sdk>;

interface Figures {
  enqueue: number;
  process: number;
  /** CPU time of this process (the worker's, the producer being idle) per message while processing, µs. */
  cpu: number;
}

const now = () => performance.timeOrigin + performance.now();

async function measure(count: number, telemetry: Sdk | undefined): Promise<Figures> {
  const namespace = `bench-otel-${randomUUID().slice(0, 8)}`;
  const producer = new RedisBroker({ url: REDIS_URL, namespace, logger: quiet });
  const consumer = new RedisBroker({ url: REDIS_URL, namespace, logger: quiet });
  if (telemetry) {
    const { tracerProvider, meterProvider } = telemetry;
    producer.addMiddleware(new OpenTelemetry({ tracerProvider, meterProvider }));
    consumer.addMiddleware(new OpenTelemetry({ tracerProvider, meterProvider }));
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
  const worker = new Worker(consumer, { concurrency: 100, queues: ["bench"] });
  try {
    const enqueueStart = now();
    for (let i = 0; i < count; i += 5_000) await send.sendMany(Array.from({ length: Math.min(5_000, count - i) }, () => [0] as [number]));
    const enqueue = count / ((now() - enqueueStart) / 1000);
    const processStart = now();
    const cpuStart = process.cpuUsage();
    await worker.start();
    await finished;
    const rate = count / ((now() - processStart) / 1000);
    const used = process.cpuUsage(cpuStart);
    return { enqueue, process: rate, cpu: (used.user + used.system) / count };
  } finally {
    await worker.stop();
    await consumer.close();
    await producer.flush("bench");
    await producer.client.del(`${namespace}:__heartbeats__`);
    await producer.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const VARIANTS = ["without the middleware", "with it, every trace sampled", "with it, 10% of traces sampled"] as const;

export async function compareOtel(count: number, rounds: number): Promise<void> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const sdks = [undefined, sdk(), sdk(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }))];
  const runs: Figures[][] = VARIANTS.map(() => []);
  try {
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < VARIANTS.length; i++) {
        const variant = (round + i) % VARIANTS.length;
        runs[variant].push(await measure(count, sdks[variant]));
        process.stdout.write(`round ${round + 1}: ${VARIANTS[variant]} done\n`);
      }
    }
  } finally {
    for (const telemetry of sdks) await telemetry?.shutdown();
  }
  const rows = runs.map((list) => ({
    enqueue: median(list.map((f) => f.enqueue)),
    process: median(list.map((f) => f.process)),
    cpu: median(list.map((f) => f.cpu)),
  }));
  console.log(`\n${count} no-op messages on Redis, concurrency 100, ${rounds} rotating round(s), medians`);
  console.log(`${"variant".padEnd(32)} enqueue/s   process/s   process vs without   cpu µs/msg`);
  rows.forEach((row, i) => {
    const ratio = `${((row.process / rows[0].process) * 100).toFixed(1)}%`;
    console.log(
      `${VARIANTS[i].padEnd(32)} ${row.enqueue.toFixed(0).padStart(9)} ${row.process.toFixed(0).padStart(11)} ${ratio.padStart(20)} ${row.cpu.toFixed(1).padStart(12)}`,
    );
  });
}
