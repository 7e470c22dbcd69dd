/**
 * `pnpm bench memory [--count N]`: no-op messages per second through the memory
 * broker and one worker at concurrency 100. Enqueueing and processing are timed
 * apart, so a regression in either shows; three rounds, each on a fresh broker,
 * because the first pays for JIT warm-up.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { actor, MemoryBroker, Worker } from "@troupe/core";

const CONCURRENCY = 100;
const BATCH = 1_000;
const ROUNDS = 3;

interface Round {
  count: number;
  enqueueMs: number;
  processMs: number;
  /** Event-loop busy time and process CPU time during processing, ms. */
  loopBusyMs: number;
  cpuMs: number;
  heapBefore: number;
  heapQueued: number;
  heapAfter: number;
}

function parseCount(args: string[]): number {
  const at = args.indexOf("--count");
  if (at === -1) return 200_000;
  const count = Number(args[at + 1]);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`--count needs a positive integer, got ${args[at + 1]}`);
  return count;
}

// Heap figures are only comparable after a full collection: without one they mostly
// measure how much garbage the last round left. `pnpm bench` runs node without
// --expose-gc, so the flag is set here and a fresh context hands out `gc`.
setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as () => void;

/** Live heap, after a full collection. */
function heapUsed(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

async function round(count: number): Promise<Round> {
  const broker = new MemoryBroker();
  const noop = actor("noop", () => {}, { broker });
  const heapBefore = heapUsed();

  const enqueueStart = performance.now();
  const batch: [][] = Array.from({ length: BATCH }, () => []);
  for (let sent = 0; sent < count; sent += BATCH) {
    await noop.sendMany(count - sent >= BATCH ? batch : batch.slice(0, count - sent));
  }
  const enqueueMs = performance.now() - enqueueStart;
  const heapQueued = heapUsed();

  const worker = new Worker(broker, { concurrency: CONCURRENCY });
  const loopStart = performance.eventLoopUtilization();
  const cpuStart = process.cpuUsage();
  const processStart = performance.now();
  await worker.start();
  await broker.join(noop.queueName);
  const processMs = performance.now() - processStart;
  const loop = performance.eventLoopUtilization(loopStart);
  const cpu = process.cpuUsage(cpuStart);

  await worker.stop();
  await broker.close();
  const heapAfter = heapUsed();
  return { count, enqueueMs, processMs, loopBusyMs: loop.active, cpuMs: (cpu.user + cpu.system) / 1000, heapBefore, heapQueued, heapAfter };
}

const perSecond = (count: number, ms: number) => `${Math.round((count / ms) * 1000).toLocaleString("en-US")} msg/s`;
const micros = (ms: number, count: number) => `${((ms * 1000) / count).toFixed(2)} µs`;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function describe(r: Round): string {
  return [
    `process ${perSecond(r.count, r.processMs)} (${(r.processMs / 1000).toFixed(2)} s)`,
    `enqueue ${perSecond(r.count, r.enqueueMs)}`,
    `end to end ${perSecond(r.count, r.enqueueMs + r.processMs)}`,
    `per message: event loop ${micros(r.loopBusyMs, r.count)}, cpu ${micros(r.cpuMs, r.count)}`,
    `live heap MB ${mb(r.heapBefore)} → ${mb(r.heapQueued)} queued → ${mb(r.heapAfter)} done`,
  ].join(" | ");
}

export async function run(args: string[]): Promise<void> {
  const count = parseCount(args);
  console.log(`memory broker: ${count.toLocaleString("en-US")} no-op messages, concurrency ${CONCURRENCY}, node ${process.version}`);
  const rounds: Round[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    const r = await round(count);
    rounds.push(r);
    console.log(`round ${i}: ${describe(r)}`);
  }
  const best = rounds.reduce((a, b) => (b.count / b.processMs > a.count / a.processMs ? b : a));
  console.log(`best:    ${describe(best)}`);
}
