import { InvalidOption, JsonEncoder } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { RabbitmqBroker } from "../src/index.js";
import { RABBITMQ_URL as URL } from "./support/amqp.js";
import { capturingLogger } from "./support/logger.js";

const quiet = capturingLogger();

describe("RabbitmqBroker options", () => {
  it("refuses an unknown option, naming it and the option meant", () => {
    // @ts-expect-error: an unknown option
    const create = () => new RabbitmqBroker({ urls: [URL], logger: quiet });
    expect(create).toThrow(InvalidOption);
    expect(create).toThrow('unknown option "urls" for RabbitmqBroker; did you mean "url"?');
  });

  it("accepts every option it documents", async () => {
    const broker = new RabbitmqBroker({
      middleware: [],
      encoder: new JsonEncoder(),
      logger: quiet,
      maxMessageSize: 1024,
      url: [URL],
      maxPriority: 5,
      deadMessageTtl: 60_000,
      confirm: false,
      connectTimeout: 1_000,
      publishTimeout: 1_000,
      heartbeat: 0,
      connectionName: "options-test",
      socketOptions: {},
    });
    expect([broker.maxPriority, broker.deadMessageTtl, broker.confirm, broker.connectTimeout]).toEqual([5, 60_000, false, 1_000]);
    await broker.close();
  });
});
