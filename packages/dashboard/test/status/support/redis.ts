import { uuid4 } from "@troupe/core";
import type { Redis } from "ioredis";

export const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A namespace of its own for each test, so tests never see each other's keys. */
export const uniqueNamespace = (label = "t"): string => `troupe-test-status-${label}-${uuid4().slice(0, 8)}`;

/** Deletes every key of a namespace. */
export async function deleteNamespace(redis: Redis, namespace: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${namespace}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
}

export const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };
