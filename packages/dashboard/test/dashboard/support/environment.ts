import { RedisBroker } from "@troupe/broker-redis";
import { MemoryResultBackend, Results, Worker } from "@troupe/core";
import { Redis } from "ioredis";
import { createDashboard, type DashboardAuth, type DashboardOptions, RedisStatusStore, Status } from "../../../src/index.js";
import { Client, serve } from "./http-client.js";

export const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";
export const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };
const unique = () => Math.random().toString(36).slice(2, 10);

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
}

/**
 * A Redis broker with the `Status` middleware and results, a dashboard over it served
 * on 127.0.0.1, and workers to start: what each dashboard test runs against.
 */
export async function redisDashboard(
  options: { auth?: DashboardAuth; url?: string; basePath?: string; extra?: Partial<DashboardOptions> } = {},
) {
  const namespace = `troupe-test-dash-${unique()}`;
  const statusNamespace = `troupe-test-dash-status-${unique()}`;
  const broker = new RedisBroker({ url: options.url ?? REDIS_URL, namespace, logger: quietLogger, heartbeatTimeout: 5_000 });
  const store = new RedisStatusStore({ url: REDIS_URL, namespace: statusNamespace });
  const results = new MemoryResultBackend();
  broker.addMiddleware(new Status({ store, flushInterval: 10 }));
  broker.addMiddleware(new Results({ backend: results, storeResults: true }));
  const dashboard = createDashboard({
    broker,
    statusStore: store,
    auth: options.auth ?? "none",
    basePath: options.basePath,
    ...options.extra,
  });
  const server = await serve(dashboard);
  const workers: Worker[] = [];
  const admin = new Redis(REDIS_URL);
  return {
    namespace,
    broker,
    store,
    results,
    dashboard,
    admin,
    url: server.url,
    base: `${server.url}${dashboard.basePath}`,
    client: (headers: Record<string, string> = {}) => new Client(server.url, headers),
    async startWorker(queues?: string[]): Promise<Worker> {
      const worker = new Worker(broker, { concurrency: 4, workerTimeout: 100, ...(queues ? { queues } : {}) });
      workers.push(worker);
      await worker.start();
      return worker;
    },
    async close(): Promise<void> {
      await Promise.all(workers.map((worker) => worker.stop()));
      await server.close();
      await broker.close();
      await store.close();
      await deleteKeys(admin, namespace);
      await deleteKeys(admin, statusNamespace);
      admin.disconnect();
    },
  };
}

export type RedisDashboard = Awaited<ReturnType<typeof redisDashboard>>;
