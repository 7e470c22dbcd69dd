import { spawnSync } from "node:child_process";
import { type Broker, type BrokerOptions, uuid4 } from "@troupe/core";
import type { BrokerTarget, BrokerTestContext } from "@troupe/testkit";
import { Redis } from "ioredis";
import { RedisBroker, type RedisBrokerOptions } from "../src/index.js";

export const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A namespace of its own for each test, so tests never see each other's keys. */
export const uniqueNamespace = (label = "t"): string => `troupe-test-${label}-${uuid4().slice(0, 8)}`;

export const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

export async function deleteNamespace(redis: Redis, namespace: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${namespace}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
}

/** Writes a payload into the layout exactly as a foreign producer does: HSET then RPUSH. */
export async function writeRaw(redis: Redis, namespace: string, queueName: string, raw: string | Buffer, id = uuid4()): Promise<string> {
  await redis.hset(`${namespace}:${queueName}.msgs`, id, raw);
  await redis.rpush(`${namespace}:${queueName}`, id);
  return id;
}

/** Brokers on one namespace with a short heartbeat timeout, so a crash is recovered within seconds. */
export function redisTarget(overrides: RedisBrokerOptions = {}): BrokerTarget {
  return {
    name: "redis",
    capabilities: { priorities: false, crashRecovery: "heartbeat", queueStats: true },
    async open(): Promise<BrokerTestContext> {
      const namespace = uniqueNamespace("conf");
      const admin = new Redis(REDIS_URL);
      const brokers = new Set<RedisBroker>();
      const crashed = new Set<RedisBroker>();
      return {
        recoveryTimeout: 8_000,
        async broker(options: BrokerOptions = {}) {
          const broker = new RedisBroker({
            url: REDIS_URL,
            namespace,
            heartbeatTimeout: 1_500,
            maintenanceInterval: 300,
            ...overrides,
            ...options,
          });
          brokers.add(broker);
          return broker;
        },
        async crash(broker: Broker) {
          (broker as RedisBroker).simulateCrash();
          crashed.add(broker as RedisBroker);
        },
        async injectRaw(_broker: Broker, queueName: string, raw: string | Buffer) {
          await writeRaw(admin, namespace, queueName, raw);
        },
        async close() {
          await Promise.all([...brokers].filter((b) => !crashed.has(b)).map((b) => b.close()));
          await deleteNamespace(admin, namespace);
          admin.disconnect();
        },
      };
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
