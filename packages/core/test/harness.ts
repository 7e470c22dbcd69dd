import { afterEach } from "vitest";
import type { Logger } from "../src/index.js";
import {
  GroupCallbacks,
  MemoryBroker,
  MemoryRateLimiterBackend,
  MemoryResultBackend,
  Results,
  Worker,
  type WorkerOptions,
} from "../src/index.js";

/** A memory broker with results and group callbacks, a log it records, and a worker to start. */
export function harness() {
  const logs: string[] = [];
  const logger: Logger = {
    debug: (m) => void logs.push(`debug ${m}`),
    info: (m) => void logs.push(`info ${m}`),
    warn: (m) => void logs.push(`warn ${m}`),
    error: (m) => void logs.push(`error ${m}`),
  };
  const broker = new MemoryBroker({ logger });
  const results = new MemoryResultBackend();
  broker.addMiddleware(new Results({ backend: results }));
  broker.addMiddleware(new GroupCallbacks({ backend: new MemoryRateLimiterBackend() }));
  const workers: Worker[] = [];
  return {
    broker,
    results,
    logs,
    async start(options: WorkerOptions = {}): Promise<Worker> {
      const worker = new Worker(broker, { concurrency: 4, workerTimeout: 50, ...options });
      workers.push(worker);
      await worker.start();
      return worker;
    },
    async stop(): Promise<void> {
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(check: () => boolean, what: string, timeout = 5_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

export type Harness = ReturnType<typeof harness>;

/** A fresh harness per test (stopped after it); call the returned function inside a test. */
export function useHarness(): () => Harness {
  let current = harness();
  afterEach(async () => {
    await current.stop();
    current = harness();
  });
  return () => current;
}
