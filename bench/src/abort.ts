/**
 * `pnpm bench abort [--aborts N] [--count N]`: how soon a running actor's signal aborts
 * after `abort()` is called from another handle on the backend (another process, for
 * Redis at 127.0.0.1:6379), p50 and p99 over N aborts with 8 neighbours running, for an
 * abort the moment the actor starts (the Redis watch re-arms its BLPOP for new messages
 * after a 10 ms gathering pause, so this is the worst case) and 50 ms into its run; and
 * what `Abortable` costs on the hot path: no-op messages per second through a memory
 * broker at concurrency 100, without it and with each backend (a cancel check per
 * message, batched per turn, and the watch re-armed as messages start).
 */
import { randomUUID } from "node:crypto";
import { Abortable, type AbortBackend, abort, MemoryAbortBackend, RedisAbortBackend } from "@troupe/abort";
import { actor, currentMessage, MemoryBroker, Worker } from "@troupe/core";
import { Redis } from "ioredis";

const REDIS_URL = "redis://127.0.0.1:6379";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const NEIGHBOURS = 8;

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  const value = at === -1 ? fallback : Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`--${name} needs a positive integer, got ${args[at + 1]}`);
  return value;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

interface Backends {
  name: string;
  worker: AbortBackend;
  producer: AbortBackend;
  close(): Promise<void>;
}

function backends(name: "memory" | "redis"): Backends {
  if (name === "memory") {
    const backend = new MemoryAbortBackend();
    return { name, worker: backend, producer: backend, close: () => backend.close() };
  }
  const namespace = `troupe-bench-abort-${randomUUID().slice(0, 8)}:`;
  const worker = new RedisAbortBackend({ url: REDIS_URL, namespace });
  const producer = new RedisAbortBackend({ url: REDIS_URL, namespace });
  return {
    name,
    worker,
    producer,
    async close() {
      await worker.close();
      await producer.close();
      const admin = new Redis(REDIS_URL);
      const keys = await admin.keys(`${namespace}*`);
      if (keys.length) await admin.del(...keys);
      admin.disconnect();
    },
  };
}

/** Ms from each `abort()` call to the abort event of the actor's signal. */
async function latencies(pair: Backends, aborts: number, after: number): Promise<number[]> {
  const broker = new MemoryBroker({ logger: quiet });
  broker.addMiddleware(new Abortable({ backend: pair.worker }));
  let onStart: (() => void) | undefined;
  let onAbort: ((at: number) => void) | undefined;
  const waits = actor(
    "waits",
    () => {
      const { signal } = currentMessage();
      onStart?.();
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => {
          onAbort?.(performance.now());
          reject(signal.reason);
        }),
      );
    },
    { broker, maxRetries: 0 },
  );
  const worker = new Worker(broker, { concurrency: NEIGHBOURS + 1 });
  await worker.start();
  const started = () => new Promise<void>((resolve) => (onStart = resolve));
  const neighbours = [];
  for (let i = 0; i < NEIGHBOURS; i++) {
    const running = started();
    neighbours.push(await waits.send());
    await running;
  }
  const figures: number[] = [];
  for (let i = 0; i < aborts; i++) {
    const running = started();
    const message = await waits.send();
    await running;
    if (after > 0) await new Promise((resolve) => setTimeout(resolve, after));
    const aborted = new Promise<number>((resolve) => (onAbort = resolve));
    const at = performance.now();
    await abort(message, { backend: pair.producer });
    figures.push((await aborted) - at);
  }
  for (const neighbour of neighbours) await abort(neighbour, { backend: pair.producer });
  await worker.stop({ timeout: 2_000 });
  return figures;
}

/** No-op messages per second through a memory broker at concurrency 100, with `Abortable` over `backend` if given. */
async function throughput(backend: AbortBackend | undefined, count: number): Promise<number> {
  const broker = new MemoryBroker({ logger: quiet });
  if (backend) broker.addMiddleware(new Abortable({ backend }));
  const noop = actor("noop", () => {}, { broker });
  const batch: [][] = Array.from({ length: 1_000 }, () => []);
  for (let sent = 0; sent < count; sent += batch.length) await noop.sendMany(batch.slice(0, Math.min(batch.length, count - sent)));
  const worker = new Worker(broker, { concurrency: 100 });
  const start = performance.now();
  await worker.start();
  await broker.join("default");
  const ms = performance.now() - start;
  await worker.stop();
  return Math.round(count / (ms / 1000));
}

export async function run(args: string[]): Promise<void> {
  const aborts = option(args, "aborts", 200);
  const count = option(args, "count", 50_000);
  console.log(`abort latency, ${aborts} aborts of a running actor (${NEIGHBOURS} neighbours running), ms:`);
  for (const name of ["memory", "redis"] as const) {
    for (const after of [0, 50]) {
      const pair = backends(name);
      const sorted = (await latencies(pair, aborts, after)).sort((a, b) => a - b);
      await pair.close();
      const fixed = (ms: number) => ms.toFixed(2).padStart(7);
      const when = after === 0 ? "at start" : `${after} ms in`;
      console.log(
        `  ${name.padEnd(7)} ${when.padEnd(9)} p50 ${fixed(percentile(sorted, 50))}  p99 ${fixed(percentile(sorted, 99))}  max ${fixed(sorted.at(-1)!)}`,
      );
    }
  }
  console.log(`\nhot-path cost, ${count} no-op messages at concurrency 100 (memory broker), messages/s (best of 3):`);
  for (const name of ["none", "memory", "redis"] as const) {
    let best = 0;
    for (let round = 0; round < 3; round++) {
      const pair = name === "none" ? undefined : backends(name);
      best = Math.max(best, await throughput(pair?.worker, count));
      await pair?.close();
    }
    console.log(`  ${(name === "none" ? "without Abortable" : `Abortable, ${name}`).padEnd(20)} ${String(best).padStart(8)}`);
  }
}
