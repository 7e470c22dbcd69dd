import { SpanKind } from "@opentelemetry/api";
import { actor, Worker } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Brokers, unique } from "./support/brokers.js";
import { isChildOf, Telemetry } from "./support/telemetry.js";

const brokers = new Brokers();
const telemetry = new Telemetry();
afterEach(async () => {
  await brokers.close();
  telemetry.spanExporter.reset();
});

describe("send → process on RabbitMQ", () => {
  it("makes the process span in another broker the child of the send span, within the request's trace", async () => {
    const producer = brokers.rabbitmq();
    const consumer = brokers.rabbitmq();
    producer.addMiddleware(telemetry.middleware());
    consumer.addMiddleware(telemetry.middleware());
    const queueName = unique("q");
    const send = actor("greet", (_name: string) => {}, { broker: producer, queueName });
    actor("greet", (_name: string) => {}, { broker: consumer, queueName });
    const request = await telemetry.inSpan("POST /signup", async () => {
      await send.send("ada");
    });
    const worker = new Worker(consumer, { workerTimeout: 100 });
    await worker.start();
    await eventually(() => telemetry.named(`process ${queueName}`).length === 1, "the message ran");
    await worker.stop();

    const sent = telemetry.one(`send ${queueName}`);
    const processed = telemetry.one(`process ${queueName}`);
    expect(sent.kind).toBe(SpanKind.PRODUCER);
    expect(processed.kind).toBe(SpanKind.CONSUMER);
    expect(isChildOf(sent, request)).toBe(true);
    expect(isChildOf(processed, sent)).toBe(true);
    expect(sent.attributes["messaging.system"]).toBe("rabbitmq");
    expect(processed.attributes["messaging.system"]).toBe("rabbitmq");
    expect(processed.attributes["messaging.destination.name"]).toBe(queueName);
  });
});
