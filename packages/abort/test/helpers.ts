import { spawnSync } from "node:child_process";
import {
  type ActorOptions,
  actor,
  currentMessage,
  type Logger,
  MemoryBroker,
  MemoryResultBackend,
  Results,
  uuid4,
  Worker,
  type WorkerOptions,
} from "@troupe/core";
import { Redis } from "ioredis";
import { Abortable, type AbortBackend, MemoryAbortBackend, RedisAbortBackend } from "../src/index.js";

export const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A namespace of its own for each test, so tests never see each other's keys. */
export const uniqueNamespace = (label = "t"): string => `troupe-test-abort-${label}-${uuid4().slice(0, 8)}:`;

export async function deleteNamespace(redis: Redis, namespace: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${namespace}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
}

/** A backend the worker reads, and a second handle on the same requests: what another process writes through. */
export interface BackendPair {
  readonly worker: AbortBackend;
  readonly producer: AbortBackend;
  readonly namespace?: string;
  close(): Promise<void>;
}

export interface BackendKind {
  readonly name: string;
  open(): BackendPair;
}

export const backendKinds: BackendKind[] = [
  {
    name: "MemoryAbortBackend",
    open() {
      const backend = new MemoryAbortBackend();
      return { worker: backend, producer: backend, close: () => backend.close() };
    },
  },
  {
    name: "RedisAbortBackend",
    open() {
      const namespace = uniqueNamespace();
      const worker = new RedisAbortBackend({ url: REDIS_URL, namespace });
      const producer = new RedisAbortBackend({ url: REDIS_URL, namespace });
      return {
        worker,
        producer,
        namespace,
        async close() {
          await worker.close();
          await producer.close();
          const admin = new Redis(REDIS_URL);
          await deleteNamespace(admin, namespace);
          admin.disconnect();
        },
      };
    },
  },
];

/**
 * A memory broker with `Abortable` over `backend`, results in memory, an `onFailure`
 * target that records what it is told, and a log.
 */
export function abortableApp(backend: AbortBackend) {
  const logs: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: (m) => void logs.push(`info ${m}`),
    warn: (m) => void logs.push(`warn ${m}`),
    error: (m) => void logs.push(`error ${m}`),
  };
  const broker = new MemoryBroker({ logger });
  const results = new MemoryResultBackend();
  broker.addMiddleware(new Results({ backend: results }));
  broker.addMiddleware(new Abortable({ backend }));
  const failures: { messageId: string; type: string; message: string }[] = [];
  const failed = actor(
    "failed",
    (source: { message_id: string }, info: { type: string; message: string }) =>
      void failures.push({ messageId: source.message_id, ...info }),
    { broker, queueName: "callbacks" },
  );
  const workers: Worker[] = [];
  return {
    broker,
    logs,
    failures,
    /** Options of an actor under test: its failures reported to `failures`, its results stored, retries quick. */
    options: { broker, storeResults: true, onFailure: failed, maxRetries: 3, minBackoff: 1, maxBackoff: 5 } satisfies ActorOptions,
    async start(options: WorkerOptions = {}): Promise<Worker> {
      const worker = new Worker(broker, { concurrency: 4, workerTimeout: 50, ...options });
      workers.push(worker);
      await worker.start();
      return worker;
    },
    async stop(): Promise<void> {
      await Promise.all(workers.map((worker) => worker.stop({ timeout: 2_000 })));
    },
  };
}

export type AbortableApp = ReturnType<typeof abortableApp>;

/**
 * An actor that waits for its signal (or `release()`): `started` resolves with the
 * message id as it starts, `runs` counts its runs, `reasons` holds what its signal aborted with.
 */
export function waitingActor(app: AbortableApp, name: string, options: ActorOptions = {}) {
  const runs: string[] = [];
  const reasons: unknown[] = [];
  const abortedAt: number[] = [];
  const releases: (() => void)[] = [];
  let onStart: ((id: string) => void) | undefined;
  let onAbort: ((at: number) => void) | undefined;
  const handle = actor(
    name,
    async () => {
      const { message, signal } = currentMessage();
      runs.push(message.messageId);
      onStart?.(message.messageId);
      await new Promise<void>((resolve, reject) => {
        releases.push(resolve);
        signal.addEventListener("abort", () => {
          const at = performance.now();
          abortedAt.push(at);
          reasons.push(signal.reason);
          onAbort?.(at);
          reject(signal.reason);
        });
      });
      return "finished";
    },
    { ...app.options, ...options },
  );
  return {
    handle,
    runs,
    reasons,
    abortedAt,
    /** Resolves with the id of the next message that starts. */
    nextStart: () => new Promise<string>((resolve) => (onStart = resolve)),
    /** Resolves with the `performance.now()` at which the next signal aborts. */
    nextAbort: () => new Promise<number>((resolve) => (onAbort = resolve)),
    /** Lets every run waiting now finish successfully. */
    release: () => {
      for (const release of releases.splice(0)) release();
    },
  };
}

/** python3 with the `redis` module. */
export function pythonWithRedis(): string {
  for (const candidate of [process.env.TROUPE_PYTHON, "/usr/bin/python3", "python3"]) {
    if (!candidate) continue;
    if (spawnSync(candidate, ["-c", "import redis"]).status === 0) return candidate;
  }
  throw new Error("python3 with the redis module is missing: run `apt-get install -y python3-redis` (or set TROUPE_PYTHON)");
}

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
