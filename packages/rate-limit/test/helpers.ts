import { randomUUID } from "node:crypto";
import { type Logger, MemoryBroker, type Middleware, Worker } from "@troupe/core";

/** A key no other test (or run) uses. */
export const uniqueKey = (label: string) => `troupe-test-${label}-${randomUUID().slice(0, 8)}`;

/** A memory broker whose log is recorded with levels, plus the middleware given. */
export function brokerWith(...middleware: Middleware[]) {
  const logs: { level: keyof Logger; text: string }[] = [];
  const record = (level: keyof Logger) => (text: string) => void logs.push({ level, text });
  const logger: Logger = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
  const broker = new MemoryBroker({ logger });
  for (const m of middleware) broker.addMiddleware(m);
  const workers: Worker[] = [];
  return {
    broker,
    logs,
    async start(concurrency = 4): Promise<Worker> {
      const worker = new Worker(broker, { concurrency, workerTimeout: 50 });
      workers.push(worker);
      await worker.start();
      return worker;
    },
    async stop(): Promise<void> {
      await Promise.all(workers.map((w) => w.stop()));
      await broker.close();
    },
  };
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
