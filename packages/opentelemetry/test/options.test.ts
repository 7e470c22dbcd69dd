import { trace } from "@opentelemetry/api";
import { RabbitmqBroker } from "@troupe/broker-rabbitmq";
import { RedisBroker } from "@troupe/broker-redis";
import { actor, type Broker, InvalidOption, MemoryBroker } from "@troupe/core";
import { afterAll, describe, expect, it } from "vitest";
import { OpenTelemetry } from "../src/index.js";
import { messagingSystem } from "../src/messaging-system.js";
import { RABBITMQ_URL, REDIS_URL } from "./support/brokers.js";
import { quietLogger, Telemetry } from "./support/telemetry.js";

const telemetry = new Telemetry();
afterAll(() => telemetry.shutdown());

describe("options", () => {
  it("refuses an option it does not know", () => {
    expect(() => new OpenTelemetry({ tracerProvder: telemetry.tracerProvider } as never)).toThrow(InvalidOption);
  });

  it("uses the global tracer provider by default, even one registered after it was made", async () => {
    const middleware = new OpenTelemetry();
    trace.setGlobalTracerProvider(telemetry.tracerProvider);
    const broker = new MemoryBroker({ logger: quietLogger });
    broker.addMiddleware(middleware);
    await actor("a", () => {}, { broker, queueName: "global" }).send();
    expect(telemetry.named("send global")).toHaveLength(1);
    trace.disable();
  });
});

describe("messaging.system", () => {
  it("names Troupe's brokers and their subclasses", async () => {
    class AppBroker extends RedisBroker {}
    const redis = new AppBroker({ url: REDIS_URL, logger: quietLogger });
    const rabbitmq = new RabbitmqBroker({ url: RABBITMQ_URL, logger: quietLogger });
    expect(messagingSystem(new MemoryBroker())).toBe("memory");
    expect(messagingSystem(redis)).toBe("redis");
    expect(messagingSystem(rabbitmq)).toBe("rabbitmq");
    await redis.close();
    await rabbitmq.close();
  });

  it("names another broker after its class", () => {
    class NatsBroker {}
    expect(messagingSystem(new NatsBroker() as unknown as Broker)).toBe("nats");
  });
});
