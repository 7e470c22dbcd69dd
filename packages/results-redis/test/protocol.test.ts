import { ConnectionError, Message, ResultFailure, resultKey, SkipMessage } from "@troupe/core";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { loadProtocolVector } from "../../../fixtures/protocol-vectors.js";
import { RedisResultBackend } from "../src/index.js";

const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";

interface ResultVector {
  description: string;
  queue_name: string;
  actor_name: string;
  message_id: string;
  message_options: Record<string, unknown>;
  key: string;
  redis_type: string;
  list: string[];
  pttl: number;
  python_get_result: { value?: unknown; orig_exc_type?: string; orig_exc_msg?: string };
}

const vectors = loadProtocolVector<{ redis: ResultVector[] }>("results.json").redis;
const admin = new Redis(REDIS_URL);
const backend = new RedisResultBackend({ url: REDIS_URL });

afterAll(async () => {
  await admin.del(...vectors.map((v) => v.key));
  await backend.close();
  admin.disconnect();
});

const messageOf = (v: ResultVector) =>
  new Message({ queueName: v.queue_name, actorName: v.actor_name, args: [], options: v.message_options, messageId: v.message_id });

function errorOf(type: string, text: string): Error {
  if (type === "SkipMessage") return new SkipMessage(text);
  const error = new Error(text);
  error.name = type;
  return error;
}

describe("Redis results on Dramatiq's layout (results.json)", () => {
  it.each(vectors.map((v) => [v.description, v] as const))("writes the key, value and TTL Dramatiq writes: %s", async (_, v) => {
    const message = messageOf(v);
    expect(resultKey(message)).toBe(v.key);
    const ttl = (v.message_options.result_ttl as number | undefined) ?? 600_000;
    const expected = v.python_get_result;
    if (expected.orig_exc_type) await backend.storeException(message, errorOf(expected.orig_exc_type, expected.orig_exc_msg ?? ""), ttl);
    else await backend.storeResult(message, expected.value, ttl);
    expect(await admin.type(v.key)).toBe(v.redis_type);
    const stored = await admin.lrange(v.key, 0, -1);
    expect(stored).toHaveLength(1);
    // Python escapes non-ASCII; both spellings are the same JSON value.
    expect(JSON.parse(stored[0])).toEqual(JSON.parse(v.list[0]));
    if (/^[\x20-\x7e]*$/.test(stored[0])) expect(stored[0]).toBe(v.list[0]);
    const pttl = await admin.pttl(v.key);
    expect(pttl).toBeLessThanOrEqual(ttl);
    expect(pttl).toBeGreaterThan(ttl - 5_000);
  });

  it.each(vectors.map((v) => [v.description, v] as const))("reads what Dramatiq stored as Dramatiq's get_result does: %s", async (_, v) => {
    await admin
      .multi()
      .del(v.key)
      .lpush(v.key, ...v.list)
      .pexpire(v.key, 60_000)
      .exec();
    const expected = v.python_get_result;
    const outcome = await backend.getResult(messageOf(v)).catch((error: unknown) => error);
    if (expected.orig_exc_type) {
      expect(ResultFailure.isInstance(outcome)).toBe(true);
      expect((outcome as ResultFailure).errorType).toBe(expected.orig_exc_type);
      expect((outcome as ResultFailure).errorMessage).toBe(expected.orig_exc_msg);
    } else {
      expect(outcome).toEqual(expected.value);
    }
  });

  it("hashes its namespace option into the key, as Dramatiq's RedisBackend(namespace=...)", async () => {
    const custom = new RedisResultBackend({ url: REDIS_URL, namespace: "custom-results" });
    const message = new Message({ queueName: "results_ns", actorName: "compute", args: [] });
    await custom.storeResult(message, 1, 60_000);
    const key = resultKey(message, "custom-results");
    expect(await admin.lrange(key, 0, -1)).toEqual(["1"]);
    expect(await custom.getResult(message)).toBe(1);
    await admin.del(key);
    await custom.close();
  });

  it("fails with ConnectionError when Redis is unreachable", async () => {
    const unreachable = new RedisResultBackend({ url: "redis://127.0.0.1:1", connectTimeout: 300 });
    const message = new Message({ queueName: "results_down", actorName: "compute", args: [] });
    const error = await unreachable.storeResult(message, 1).catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    await unreachable.close();
  });

  it("leaves the value in place for every blocked reader (BRPOPLPUSH on the key itself)", async () => {
    const message = new Message({ queueName: "results_fanout", actorName: "compute", args: [] });
    const readers = Array.from({ length: 12 }, () => backend.getResult(message, { block: true, timeout: 5_000 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await backend.storeResult(message, { ok: true }, 60_000);
    expect(await Promise.all(readers)).toEqual(Array.from({ length: 12 }, () => ({ ok: true })));
    expect(await admin.lrange(resultKey(message), 0, -1)).toEqual(['{"ok":true}']);
    await admin.del(resultKey(message));
  });
});
