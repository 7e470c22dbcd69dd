import { randomUUID } from "node:crypto";
import { Socket } from "node:net";
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

/** What memcached's meta-get reports for a key (as the vectors were captured): value, client flags, TTL left in seconds. */
export function memcachedMeta(key: string): Promise<{ value: string; flags: number; ttl: number } | undefined> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let data = Buffer.alloc(0);
    socket.setTimeout(2000, () => socket.destroy(new Error("memcached meta-get timed out")));
    socket.on("error", reject);
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      const text = data.toString("latin1");
      if (text.startsWith("EN\r\n")) {
        socket.end();
        resolve(undefined);
        return;
      }
      const header = /^VA (\d+) (.*)\r\n/.exec(text);
      if (!header) return;
      const size = Number(header[1]);
      const start = header[0].length;
      if (data.length < start + size + 2) return;
      socket.end();
      const flags = Number(/\bf(\d+)/.exec(header[2])?.[1] ?? 0);
      const ttl = Number(/\bt(-?\d+)/.exec(header[2])?.[1] ?? -1);
      resolve({ value: data.subarray(start, start + size).toString("utf8"), flags, ttl });
    });
    socket.connect(11211, "127.0.0.1", () => socket.write(`mg ${key} v f t\r\n`));
  });
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
