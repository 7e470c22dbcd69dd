import { spawnSync } from "node:child_process";
import { type Broker, type Message, type Middleware, uuid4 } from "@troupe/core";
import type { Redis } from "ioredis";
import { MemoryScheduleStore, RedisScheduleStore, type ScheduleStore } from "../src/index.js";

export const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A namespace of its own for each test, so tests never see each other's keys. */
export const uniqueNamespace = (label = "t"): string => `troupe-test-sched-${label}-${uuid4().slice(0, 8)}`;

export const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

export async function deleteNamespace(redis: Redis, namespace: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${namespace}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
}

/** Records every message the broker enqueues, in order: what the schedulers sent. */
export function captureEnqueues(broker: Broker): Message[] {
  const sent: Message[] = [];
  const capture: Middleware = {
    afterEnqueue(_broker, message) {
      sent.push(message);
    },
  };
  broker.addMiddleware(capture);
  return sent;
}

/** The two stores, each as the tests open it: several handles on one shared state. */
export interface StoreKind {
  readonly name: string;
  /** A handle on the state of this test; every handle of one `open()` shares it, as processes share Redis. */
  open(): { handle(): ScheduleStore; close(): Promise<void> };
}

export function storeKinds(admin: Redis): StoreKind[] {
  return [
    {
      name: "MemoryScheduleStore",
      open() {
        const store = new MemoryScheduleStore();
        return { handle: () => store, close: async () => {} };
      },
    },
    {
      name: "RedisScheduleStore",
      open() {
        const namespace = uniqueNamespace("store");
        const handles: RedisScheduleStore[] = [];
        return {
          handle() {
            const store = new RedisScheduleStore({ url: REDIS_URL, namespace });
            handles.push(store);
            return store;
          },
          async close() {
            for (const store of handles) await store.close();
            await deleteNamespace(admin, namespace);
          },
        };
      },
    },
  ];
}

/** A clock a test moves by hand. */
export function virtualClock(start: number): { now: () => number; set(time: number): void } {
  let time = start;
  return {
    now: () => time,
    set(next: number) {
      time = next;
    },
  };
}

/** The Debian interpreter that has python3-redis, or the first python3 on PATH. */
export function pythonWithRedis(): string {
  for (const candidate of [process.env.TROUPE_PYTHON, "/usr/bin/python3", "python3"]) {
    if (!candidate) continue;
    if (spawnSync(candidate, ["-c", "import redis"]).status === 0) return candidate;
  }
  throw new Error("python3 with the redis module is missing: run `apt-get install -y python3-redis` (or set TROUPE_PYTHON)");
}
