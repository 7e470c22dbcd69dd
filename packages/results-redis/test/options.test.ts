import { InvalidOption } from "@troupe/core";
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

  it("accepts every option it documents", async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    const backend = new RedisResultBackend({
      url: REDIS_URL,
      client,
      connectTimeout: 1_000,
      namespace: "options-test",
      maxIdleBlockingConnections: 1,
    });
    expect([backend.client, backend.namespace, backend.connectTimeout]).toEqual([client, "options-test", 1_000]);
    await backend.close();
    client.disconnect();
  });
});
