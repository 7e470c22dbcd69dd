import { InvalidOption, Message, resultKey } from "@troupe/core";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { RedisResultBackend } from "../src/index.js";

const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";

describe("RedisResultBackend options", () => {
  it("refuses an unknown option, naming it and the option meant", () => {
    // @ts-expect-error: an unknown option
    const create = () => new RedisResultBackend({ url: REDIS_URL, namepsace: "results" });
    expect(create).toThrow(InvalidOption);
    expect(create).toThrow('unknown option "namepsace" for RedisResultBackend; did you mean "namespace"?');
  });

  it("refuses a mistyped connection option, naming the one meant", () => {
    // @ts-expect-error: an unknown option
    const create = () => new RedisResultBackend({ redis_options: {} });
    expect(create).toThrow('unknown option "redis_options" for RedisResultBackend; did you mean "redisOptions"?');
  });

  it("accepts every option it documents", async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    const backend = new RedisResultBackend({
      url: REDIS_URL,
      client,
      redisOptions: { db: 1 },
      connectTimeout: 1_000,
      namespace: "options-test",
      maxIdleBlockingConnections: 1,
    });
    expect([backend.client, backend.namespace, backend.connectTimeout]).toEqual([client, "options-test", 1_000]);
    await backend.close();
    client.disconnect();
  });

  it("passes redisOptions to the client it makes from url", async () => {
    const backend = new RedisResultBackend({ url: REDIS_URL, redisOptions: { db: 5 } });
    const message = new Message({ queueName: "results_options", actorName: "compute", args: [] });
    await backend.storeResult(message, 7, 60_000);
    const db5 = new Redis(`${REDIS_URL}/5`);
    expect(await db5.lindex(resultKey(message), 0)).toBe("7");
    await db5.del(resultKey(message));
    await Promise.all([db5.quit(), backend.close()]);
  });
});
