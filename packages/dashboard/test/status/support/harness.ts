import { type Broker, type BrokerOptions, MemoryBroker, Worker, type WorkerOptions } from "@troupe/core";
import { afterEach } from "vitest";
import { MemoryStatusStore } from "../../../src/status/memory-status-store.js";
import { Status, type StatusOptions } from "../../../src/status/status.js";
import type { StatusRecord, StatusStore } from "../../../src/status/status-store.js";
import { quietLogger } from "./redis.js";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 10 ms until it is true; fails after `timeout` ms naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

/** Waits until the store holds `messageId` in `state`, and returns the record. */
export async function untilState(store: StatusStore, messageId: string, state: string, timeout = 10_000): Promise<StatusRecord> {
  let record: StatusRecord | undefined;
  await until(
    async () => (record = await store.get(messageId))?.state === state,
    `${messageId} is ${state} (it is ${record?.state ?? "not recorded"})`,
    timeout,
  );
  return record as StatusRecord;
}

/** The states a record went through. */
export const states = (record: StatusRecord | undefined) => record?.transitions.map((t) => t.state);

/** A memory broker with a `Status` middleware on a memory store, and workers stopped after each test. */
export function useStatusHarness() {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });
  return (options: { status?: Partial<StatusOptions>; broker?: BrokerOptions } = {}) => {
    const broker = new MemoryBroker({ logger: quietLogger, ...options.broker });
    const store = new MemoryStatusStore();
    const status = new Status({ store, ...options.status });
    broker.addMiddleware(status);
    return {
      broker,
      store,
      status,
      async start(workerOptions: WorkerOptions = {}, on: Broker = broker): Promise<Worker> {
        const worker = new Worker(on, { concurrency: 4, workerTimeout: 50, ...workerOptions });
        workers.push(worker);
        await worker.start();
        return worker;
      },
    };
  };
}
