/**
 * `pnpm bench threads [--count 8] [--ms 500]`: CPU-bound work on thread actors. `count`
 * messages, each a synchronous computation of about `ms` on one core, run by one worker
 * (memory broker, concurrency = count) with `threads: 1`, then with `threads: 2`, three rounds
 * in turn; it prints each time, the best of each and the speed-up between the bests (on a
 * shared machine the best is the least disturbed). Each pool is warmed first (threads
 * started, this module imported in them), so the times are the computation's.
 */
import { availableParallelism } from "node:os";
import { actor, MemoryBroker, Worker } from "@troupe/core";

/** Pure integer work the JIT cannot skip: `rounds` steps of an LCG, folded into the result. */
function crunch(rounds: number): number {
  let x = 0x2545f491;
  let acc = 0;
  for (let i = 0; i < rounds; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    acc ^= x >>> 7;
  }
  return acc;
}

// Declared at the top level: each pool thread imports this module to find it. It returns the
// ms its computation took in the thread, so the run can tell what one message costs.
const compute = actor(
  "bench_compute",
  (rounds: number) => {
    const start = performance.now();
    const folded = crunch(rounds);
    return { folded, ms: performance.now() - start };
  },
  { isolation: "thread" },
);
const ROUNDS = 3;

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} needs a positive integer, got ${args[at + 1]}`);
  return value;
}

interface Timing {
  /** Wall time from the first send to the last message done, ms. */
  wall: number;
  /** Mean time of one computation inside its thread, ms. */
  perMessage: number;
  /** CPU time of the process (all its threads) meanwhile, ms: about `threads` × wall when each thread had a core. */
  cpu: number;
}

/** One worker with `threads` threads runs `count` messages of `rounds`, after a warm-up message per thread. */
async function timed(threads: number, count: number, rounds: number): Promise<Timing> {
  const broker = new MemoryBroker();
  broker.declareActor(compute);
  const inThread: number[] = [];
  broker.addMiddleware({
    afterProcessMessage(_broker, message, outcome) {
      if (message.args[0] === rounds) inThread.push((outcome.result as { ms: number }).ms);
    },
  });
  const worker = new Worker(broker, { concurrency: count, threads });
  await worker.start();
  await broker.enqueueMany(Array.from({ length: threads }, () => compute.message(1_000_000)));
  await broker.join(compute.queueName);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await broker.enqueueMany(Array.from({ length: count }, () => compute.message(rounds)));
  await broker.join(compute.queueName);
  const wall = performance.now() - start;
  const cpuUsed = process.cpuUsage(cpuStart);
  await worker.stop();
  await broker.close();
  const perMessage = inThread.reduce((a, b) => a + b, 0) / inThread.length;
  return { wall, perMessage, cpu: (cpuUsed.user + cpuUsed.system) / 1000 };
}

/** The rounds of `crunch` that take about `ms` in a pool thread (measured there, JIT warm). */
async function calibrate(ms: number): Promise<number> {
  let rounds = 50_000_000;
  for (let i = 0; i < 2; i++) rounds = Math.round((rounds * ms) / (await timed(1, 1, rounds)).perMessage);
  return rounds;
}

export async function run(args: string[]): Promise<void> {
  const count = option(args, "--count", 8);
  const ms = option(args, "--ms", 500);
  const rounds = await calibrate(ms);
  console.log(
    `thread actors: ${count} messages of ~${ms} ms of synchronous computation (${rounds.toLocaleString("en-US")} rounds), ${availableParallelism()} CPUs, node ${process.version}`,
  );
  const best = { 1: Number.POSITIVE_INFINITY, 2: Number.POSITIVE_INFINITY };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const threads of [1, 2] as const) {
      const { wall, perMessage, cpu } = await timed(threads, count, rounds);
      best[threads] = Math.min(best[threads], wall);
      const detail = `${perMessage.toFixed(0)} ms per message in its thread, cpu ${(cpu / 1000).toFixed(2)} s`;
      console.log(`round ${round}, threads ${threads}: ${(wall / 1000).toFixed(2)} s (${detail})`);
    }
  }
  console.log(`best: threads 1 ${(best[1] / 1000).toFixed(2)} s, threads 2 ${(best[2] / 1000).toFixed(2)} s`);
  console.log(`speed-up: ${(best[1] / best[2]).toFixed(2)}x`);
}
