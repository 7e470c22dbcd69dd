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
  it("stores a record as one expiring key, its state first, and its id in the index stream", async () => {
    const store = await open();
    const id = uuid4();
    const at = Date.now();
    await store.write([event(id, "queued", at)], 60_000);
    const ns = store.namespace;
    expect(await admin.get(`${ns}:m:${id}`)).toBe(
      `queued|${at}\n{"messageId":"${id}","actorName":"add","queueName":"default","args":"[1,2]","options":"{}"}\n{"state":"queued","at":${at}}`,
    );
    expect(await admin.pttl(`${ns}:m:${id}`)).toBeGreaterThan(50_000);
    const [[entryId, fields]] = await admin.xrange(`${ns}:x`, "-", "+");
    expect(entryId).toMatch(new RegExp(`^${at}-`));
    expect(fields).toEqual(["m", id, "a", "add", "q", "default"]);
    expect(await admin.pttl(`${ns}:x`)).toBeGreaterThan(50_000);
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
