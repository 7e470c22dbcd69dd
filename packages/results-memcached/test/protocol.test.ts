import { ConnectionError, Message, ResultFailure, resultKey } from "@troupe/core";
import { MemcachedResultBackend } from "@troupe/results-memcached";
import { memcachedMeta } from "@troupe/testkit";
import memjs from "memjs";
import { afterAll, describe, expect, it } from "vitest";
import { loadProtocolVector } from "../../../fixtures/protocol-vectors.js";
import { expirationFor } from "../src/memcached-result-backend.ts";

// Real items written by Dramatiq 2.2's MemcachedBackend.
const vectors = loadProtocolVector<any>("results.json");

interface Case {
  description: string;
  queue_name: string;
  actor_name: string;
  message_id: string;
  message_options: Record<string, unknown>;
  raw_key: string;
  key: string;
  value: string;
  memcached_flags: number;
  ttl_seconds_remaining: number;
  python_get_result: { value?: unknown; orig_exc_type?: string; orig_exc_msg?: string };
}
const cases = vectors.memcached as Case[];

const messageOf = (c: Case) =>
  new Message({ queueName: c.queue_name, actorName: c.actor_name, args: [], messageId: c.message_id, options: c.message_options });

/** The error Dramatiq recorded, rebuilt with the same type name. */
function remoteError(c: Case): Error {
  const error = new Error(c.python_get_result.orig_exc_msg);
  error.name = c.python_get_result.orig_exc_type ?? "Error";
  return error;
}

describe("memcached results match Dramatiq's", () => {
  const backend = new MemcachedResultBackend({ servers: "127.0.0.1:11211" });
  const raw = memjs.Client.create("127.0.0.1:11211", { logger: { log() {} } });
  afterAll(async () => {
    await Promise.all(cases.map((c) => raw.delete(c.key)));
    raw.close();
    await backend.close();
  });

  it.each(cases.map((c) => [c.description, c] as const))("writes the same item: %s", async (_, c) => {
    const message = messageOf(c);
    expect(resultKey(message)).toBe(c.key);
    const ttl = (c.message_options.result_ttl as number | undefined) ?? 600_000;
    if (c.python_get_result.orig_exc_type) await backend.storeException(message, remoteError(c), ttl);
    else await backend.storeResult(message, c.python_get_result.value, ttl);
    const stored = await memcachedMeta(c.key);
    expect(stored?.flags).toBe(c.memcached_flags);
    // Python escapes non-ASCII as \uXXXX; both spellings are the same JSON for either reader.
    expect(JSON.parse(stored?.value ?? "")).toEqual(JSON.parse(c.value));
    if (/^[\x20-\x7e]*$/.test(JSON.stringify(c.python_get_result.value ?? null))) expect(stored?.value).toBe(c.value);
    expect(stored?.ttl).toBeLessThanOrEqual(c.ttl_seconds_remaining);
    expect(stored?.ttl).toBeGreaterThanOrEqual(c.ttl_seconds_remaining - 1);
  });

  it.each(cases.map((c) => [c.description, c] as const))("reads what Dramatiq wrote: %s", async (_, c) => {
    await raw.set(c.key, c.value, { expires: 60 });
    const reading = backend.getResult(messageOf(c));
    if (c.python_get_result.orig_exc_type) {
      const error = await reading.catch((e: unknown) => e);
      expect(ResultFailure.isInstance(error)).toBe(true);
      expect((error as ResultFailure).errorType).toBe(c.python_get_result.orig_exc_type);
      expect((error as ResultFailure).errorMessage).toBe(c.python_get_result.orig_exc_msg);
    } else {
      expect(await reading).toEqual(c.python_get_result.value);
    }
  });

  it("hashes the namespace into the key, as Dramatiq's namespace option", async () => {
    const c = cases[0];
    const custom = new MemcachedResultBackend({ servers: "127.0.0.1:11211", namespace: "other-results" });
    try {
      const message = messageOf(c);
      await custom.storeResult(message, 1, 10_000);
      const key = resultKey(message, "other-results");
      expect(key).not.toBe(c.key);
      expect((await memcachedMeta(key))?.value).toBe("1");
      await raw.delete(key);
    } finally {
      await custom.close();
    }
  });
});

describe("MemcachedResultBackend", () => {
  it("rounds TTLs up to whole seconds and never to 0", () => {
    expect(expirationFor(5000)).toBe(5);
    expect(expirationFor(5001)).toBe(6);
    expect(expirationFor(1)).toBe(1);
    expect(expirationFor(600_000)).toBe(600);
  });

  it("gives TTLs over 30 days as a unix time, as memcached expects", () => {
    const now = 1_795_564_409_681;
    expect(expirationFor(31 * 24 * 3_600_000, now)).toBe(Math.ceil(now / 1000) + 31 * 24 * 3600);
  });

  it("wraps an unreachable server's failure in ConnectionError", async () => {
    const down = new MemcachedResultBackend({ servers: "127.0.0.1:1", timeout: 0.2 });
    try {
      const message = new Message({ queueName: "q", actorName: "a", args: [] });
      const error = await down.getResult(message).catch((e: unknown) => e);
      expect(ConnectionError.isInstance(error)).toBe(true);
      expect((error as ConnectionError).cause).toBeDefined();
    } finally {
      await down.close();
    }
  });
});
