import { InvalidOption, JsonEncoder } from "@troupe/core";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { RedisBroker } from "../src/index.js";
import { quietLogger, REDIS_URL, uniqueNamespace } from "./helpers.js";

describe("RedisBroker options", () => {
  it("refuses an unknown option, naming it and the option meant", () => {
    // @ts-expect-error: an unknown option
    const create = () => new RedisBroker({ uri: REDIS_URL, logger: quietLogger });
    expect(create).toThrow(InvalidOption);
    expect(create).toThrow('unknown option "uri" for RedisBroker; did you mean "url"?');
  });

  it("accepts every option it documents", async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    const namespace = uniqueNamespace("options");
    const broker = new RedisBroker({
      middleware: [],
      encoder: new JsonEncoder(),
      logger: quietLogger,
      maxMessageSize: 1024,
      url: REDIS_URL,
      client,
      redisOptions: { connectionName: "options-test" },
      connectTimeout: 1_000,
      namespace,
      heartbeatTimeout: 4_000,
      deadMessageTtl: 60_000,
      maintenanceInterval: 1_000,
    });
    expect(broker.client).toBe(client);
    expect([broker.namespace, broker.heartbeatTimeout, broker.maintenanceInterval]).toEqual([namespace, 4_000, 1_000]);
    await broker.close();
    client.disconnect();
  });
});
