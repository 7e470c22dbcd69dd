import { ConnectionError, InvalidOption, uuid4 } from "@troupe/core";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { RedisStatusStore } from "../../src/status/redis-status-store.js";
import type { StatusEvent } from "../../src/status/status-store.js";
import { deleteNamespace, REDIS_URL, uniqueNamespace } from "./support/redis.js";
import { event, storeContract } from "./support/store-contract.js";

const admin = new Redis(REDIS_URL);
const opened: RedisStatusStore[] = [];

async function open(): Promise<RedisStatusStore> {
  const store = new RedisStatusStore({ url: REDIS_URL, namespace: uniqueNamespace("store") });
  opened.push(store);
  return store;
}

afterEach(async () => {
  for (const store of opened.splice(0)) {
    await deleteNamespace(admin, store.namespace);
    await store.close();
  }
});
afterAll(() => admin.disconnect());

storeContract("RedisStatusStore", open);

describe("RedisStatusStore", () => {
  it("stores a record as one expiring key, appends a run's transitions to it, and indexes its id in the stream", async () => {
    const store = await open();
    const id = uuid4();
    const at = Date.now();
    await store.write([event(id, "queued", at)], 60_000);
    const ns = store.namespace;
    const created = `{"messageId":"${id}","actorName":"add","queueName":"default","args":"[1,2]","options":"{}"}\nqueued@${at}`;
    expect(await admin.get(`${ns}:m:${id}`)).toBe(created);
    const error = { type: "ValueError", message: "bad" };
    await store.write(
      [
        event(id, "running", at + 1, { args: undefined, options: undefined, retries: 1 }),
        {
          ...event(id, "failed", at + 2, { args: undefined, durationMs: 1.25, retries: 1 }),
          transition: { state: "failed", at: at + 2, error },
        },
      ],
      60_000,
    );
    expect(await admin.get(`${ns}:m:${id}`)).toBe(
      `${created}\trunning@${at + 1}#1\tfailed@${at + 2}+1.25#1{"error":{"type":"ValueError","message":"bad"},"options":"{}"}`,
    );
    expect(await admin.pttl(`${ns}:m:${id}`)).toBeGreaterThan(50_000);
    const [[entryId, fields]] = await admin.xrange(`${ns}:x`, "-", "+");
    expect(entryId).toMatch(new RegExp(`^${at}-`));
    expect(fields).toEqual(["m", id, "a", "add", "q", "default"]);
    expect(await admin.pttl(`${ns}:x`)).toBeGreaterThan(50_000);
  });

  it("compacts a record grown over 16 KB: the older tracebacks go, the transitions stay in time order", async () => {
    const store = await open();
    const id = uuid4();
    const at = Date.now();
    const key = `${store.namespace}:m:${id}`;
    await store.write([event(id, "queued", at)], 60_000);
    const traceback = (n: number) => `Error: boom ${n}\n${"    at frame (x.js:1:1)\n".repeat(400)}`;
    const failure = (n: number): StatusEvent => ({
      ...event(id, "retrying", at + 10 * n, { args: undefined, retries: n }),
      transition: { state: "retrying", at: at + 10 * n, error: { type: "Error", message: `boom ${n}`, traceback: traceback(n) } },
    });
    // Each failure carries about 10 KB: the second and the third take the record over 16 KB.
    await store.write([failure(1)], 60_000);
    await store.write([failure(3)], 60_000);
    expect((await admin.get(key))?.match(/"traceback"/g)).toHaveLength(1);
    // Older than the latest, it is appended after it, and the next compaction orders it.
    await store.write([failure(2)], 60_000);
    const raw = (await admin.get(key)) ?? "";
    expect(raw.length).toBeLessThan(16_384);
    expect(raw.match(/"traceback"/g)).toHaveLength(1);
    expect(raw.indexOf(`retrying@${at + 20}`)).toBeLessThan(raw.indexOf(`retrying@${at + 30}`));
    const record = await store.get(id);
    expect(record?.transitions.map((t) => [t.state, t.at, t.error?.traceback === undefined])).toEqual([
      ["queued", at, true],
      ["retrying", at + 10, true],
      ["retrying", at + 20, true],
      ["retrying", at + 30, false],
    ]);
    expect(record?.transitions[3].error?.traceback).toBe(traceback(3));
    expect(record).toMatchObject({ state: "retrying", retries: 3 });
  });

  it("writes interleaved events of several messages in one batch, a message first seen by its worker, and an id with a newline", async () => {
    const store = await open();
    const [seen, sent, odd] = [uuid4(), uuid4(), `odd\n${uuid4()}`];
    const at = Date.now();
    const worker = { args: undefined, options: undefined };
    await store.write(
      [
        // A worker's events of a message sent without the middleware, split by another message's.
        { ...event(seen, "running", at + 1), options: undefined },
        event(sent, "queued", at),
        event(seen, "succeeded", at + 2, { ...worker, durationMs: 0.5 }),
        event(odd, "queued", at),
        event(sent, "running", at + 3, worker),
        event(odd, "running", at + 3, worker),
      ],
      60_000,
    );
    await store.write([event(odd, "succeeded", at + 4, worker)], 60_000);
    const states = async (id: string) => (await store.get(id))?.transitions.map((t) => t.state);
    expect(await states(seen)).toEqual(["running", "succeeded"]);
    expect(await store.get(seen)).toMatchObject({ args: "[1,2]", state: "succeeded", durationMs: 0.5, createdAt: at + 1 });
    expect(await states(sent)).toEqual(["queued", "running"]);
    expect(await states(odd)).toEqual(["queued", "running", "succeeded"]);
    expect((await store.get(odd))?.messageId).toBe(odd);
  });

  it("pushes a record's expiry back on a change, unless the message was sent moments ago (within 1% of the TTL)", async () => {
    const store = await open();
    const id = uuid4();
    const key = `${store.namespace}:m:${id}`;
    const sentAt = Date.now();
    await store.write([event(id, "queued", sentAt, { sentAt })], 60_000);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await store.write([event(id, "running", Date.now(), { args: undefined, sentAt })], 60_000);
    // 150 ms is well within 600 ms: the expiry stays where the creation put it.
    expect(await admin.pttl(key)).toBeLessThanOrEqual(59_850);
    await store.write([event(id, "succeeded", Date.now(), { args: undefined, sentAt: sentAt - 1_000 })], 60_000);
    expect(await admin.pttl(key)).toBeGreaterThan(59_900);
    expect((await store.get(id))?.transitions.map((t) => t.state)).toEqual(["queued", "running", "succeeded"]);
  });

  it("trims index entries older than the TTL on the next write", async () => {
    const store = await open();
    const [old, fresh] = [uuid4(), uuid4()];
    await store.write([event(old, "queued", Date.now() - 10_000)], 60_000);
    await store.write([event(fresh, "queued", Date.now())], 5_000);
    const ids = (await admin.xrange(`${store.namespace}:x`, "-", "+")).map(([, fields]) => fields[1]);
    expect(ids).toEqual([fresh]);
  });

  it("finds a rare match among 25 000 records, walking past one script's budget", async () => {
    const store = await open();
    const now = Date.now();
    const rare = uuid4();
    const events: StatusEvent[] = [];
    for (let i = 0; i < 25_000; i++)
      events.push(event(i === 1_000 ? rare : uuid4(), i === 1_000 ? "failed" : "succeeded", now - 25_000 + i));
    for (let i = 0; i < events.length; i += 5_000) await store.write(events.slice(i, i + 5_000), 60_000);
    expect(await admin.xlen(`${store.namespace}:x`)).toBe(25_000);
    const page = await store.search({ actorName: "add", state: "failed", queueName: "default" });
    expect(page.records.map((r) => r.messageId)).toEqual([rare]);
    expect(page.next).toBeUndefined();
  });

  it("uses a client it is given and leaves it open", async () => {
    const client = new Redis(REDIS_URL);
    const store = new RedisStatusStore({ client, namespace: uniqueNamespace("client") });
    const id = uuid4();
    await store.write([event(id, "queued", Date.now())], 60_000);
    expect((await store.get(id))?.state).toBe("queued");
    await store.close();
    expect(await client.ping()).toBe("PONG");
    await deleteNamespace(client, store.namespace);
    client.disconnect();
  });

  it("takes the connection options every Redis package takes, and refuses others by name", async () => {
    const store = new RedisStatusStore({
      url: REDIS_URL,
      redisOptions: { db: 4 },
      connectTimeout: 2_000,
      namespace: uniqueNamespace("db"),
    });
    opened.push(store);
    const id = uuid4();
    await store.write([event(id, "queued", Date.now())], 60_000);
    const db4 = new Redis(REDIS_URL, { db: 4 });
    expect([await db4.exists(`${store.namespace}:m:${id}`), await admin.exists(`${store.namespace}:m:${id}`)]).toEqual([1, 0]);
    await deleteNamespace(db4, store.namespace);
    db4.disconnect();
    const mistyped = () => new RedisStatusStore({ commandTimeout: 1 } as never);
    expect(mistyped).toThrow(InvalidOption);
    expect(mistyped).toThrow(/unknown option "commandTimeout" for RedisStatusStore/);
  });

  it("fails within connectTimeout when Redis is unreachable, naming the URL without its password", async () => {
    const store = new RedisStatusStore({ url: "redis://:s3cret@127.0.0.1:1/0", connectTimeout: 300 });
    const started = performance.now();
    const error = await store.get(uuid4()).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^reading a status record failed: could not reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0 within 300 ms/,
    );
    expect((error as Error).message).not.toContain("s3cret");
    await store.close();
  });
});
