import { afterEach, describe, expect, it } from "vitest";
import { actor, defaultMiddleware, type Logger, MemoryBroker, Retries, Worker } from "../src/index.js";

/** Every failure line carries the stack, whose frames name this file. */
const STACK = /\n\s+at .*failure-log\.test\.ts:\d+:\d+/;

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
});

/** A memory broker whose logger records `level message`, and a started worker on it. */
async function start(options: { retries: boolean }) {
  const logs: string[] = [];
  const logger: Logger = {
    debug: (message) => void logs.push(`debug ${message}`),
    info: (message) => void logs.push(`info ${message}`),
    warn: (message) => void logs.push(`warn ${message}`),
    error: (message) => void logs.push(`error ${message}`),
  };
  const middleware = options.retries ? defaultMiddleware() : defaultMiddleware().filter((m) => !(m instanceof Retries));
  const broker = new MemoryBroker({ logger, middleware });
  const worker = new Worker(broker, { concurrency: 1, workerTimeout: 20 });
  workers.push(worker);
  return { broker, logs, worker };
}

function failingActor(broker: MemoryBroker, options: { maxRetries?: number; minBackoff?: number; maxBackoff?: number } = {}) {
  return actor(
    "explodes",
    () => {
      throw new RangeError("out of range");
    },
    { broker, ...options },
  );
}

describe("the log line of a failed actor", () => {
  it("with Retries: one line per failed attempt, from Retries, with the stack", async () => {
    const { broker, logs, worker } = await start({ retries: true });
    const explodes = failingActor(broker, { maxRetries: 1, minBackoff: 1, maxBackoff: 1 });
    await worker.start();
    await explodes.send();
    await broker.join("default", { timeout: 5_000, failFast: false });

    const failures = logs.filter((line) => STACK.test(line));
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatch(
      /^warn explodes\([\w-]+\) failed with RangeError: out of range; retry 1 in \d+ ms\nRangeError: out of range\n/,
    );
    expect(failures[1]).toMatch(
      /^error explodes\([\w-]+\) failed 2 time\(s\), last with RangeError: out of range; dead-lettering it\nRangeError/,
    );
  });

  it("without Retries: one error line from the worker, with the stack", async () => {
    const { broker, logs, worker } = await start({ retries: false });
    const explodes = failingActor(broker);
    await worker.start();
    await explodes.send();
    await broker.join("default", { timeout: 5_000 });

    const failures = logs.filter((line) => STACK.test(line));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(
      /^error explodes\([\w-]+\) failed with RangeError: out of range; no middleware retries it, so it is acked\nRangeError: out of range\n/,
    );
  });
});
