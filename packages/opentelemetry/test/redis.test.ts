import { SpanKind } from "@opentelemetry/api";
import { actor, Worker } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { TRACE_CONTEXT_KEY } from "../src/index.js";
import { Brokers, unique } from "./support/brokers.js";
import { isChildOf, linkedSpanIds, Telemetry } from "./support/telemetry.js";

const brokers = new Brokers();
const telemetry = new Telemetry();
afterEach(async () => {
  await brokers.close();
  telemetry.spanExporter.reset();
});

/** A producer and a worker process on one Redis namespace, each with the middleware. */
function pair(label: string) {
  const namespace = unique(label);
  const producer = brokers.redis(namespace);
  const consumer = brokers.redis(namespace);
  producer.addMiddleware(telemetry.middleware());
  consumer.addMiddleware(telemetry.middleware());
  return { producer, consumer };
}

describe("send → process on Redis", () => {
  it("makes the process span the child of the send span, itself the child of the request that sent it", async () => {
    const { producer, consumer } = pair("parent");
    const queueName = unique("q");
    const send = actor("greet", (_name: string) => {}, { broker: producer, queueName });
    const ran: string[] = [];
    actor("greet", (name: string) => void ran.push(name), { broker: consumer, queueName });
    let messageId = "";
    const request = await telemetry.inSpan("POST /signup", async () => {
      messageId = (await send.send("ada")).messageId;
    });
    const worker = new Worker(consumer, { workerTimeout: 100 });
    await worker.start();
    await eventually(() => telemetry.named(`process ${queueName}`).length === 1, "the message ran");
    await worker.stop();

    const sent = telemetry.one(`send ${queueName}`);
    const processed = telemetry.one(`process ${queueName}`);
    expect(ran).toEqual(["ada"]);
    expect(sent.kind).toBe(SpanKind.PRODUCER);
    expect(processed.kind).toBe(SpanKind.CONSUMER);
    expect(isChildOf(sent, request)).toBe(true);
    expect(isChildOf(processed, sent)).toBe(true);
    expect(linkedSpanIds(processed)).toEqual([sent.spanContext().spanId]);
    const common = { "messaging.system": "redis", "messaging.destination.name": queueName, "messaging.message.id": messageId };
    expect(sent.attributes).toEqual({
      ...common,
      "messaging.operation.type": "send",
      "messaging.operation.name": "send",
      "troupe.actor": "greet",
      "troupe.retries": 0,
    });
    expect(processed.attributes).toEqual({
      ...common,
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "troupe.actor": "greet",
      "troupe.retries": 0,
      "troupe.outcome": "ok",
    });
  });

  it("stores the send span's context in the message's options.trace_ctx, as W3C traceparent", async () => {
    const { producer } = pair("wire");
    const queueName = unique("q");
    const send = actor("greet", (_name: string) => {}, { broker: producer, queueName });
    const message = await send.send("ada");
    const redisId = message.options.redis_message_id as string;
    const stored = JSON.parse((await producer.client.hget(producer.key(`${queueName}.msgs`), redisId)) as string);
    const sent = telemetry.one(`send ${queueName}`).spanContext();
    expect(stored.options[TRACE_CONTEXT_KEY]).toEqual({ traceparent: `00-${sent.traceId}-${sent.spanId}-01` });
  });

  it("keeps a delayed message's context while the worker moves it from the delay queue", async () => {
    const { producer, consumer } = pair("delay");
    const queueName = unique("q");
    const send = actor("later", () => {}, { broker: producer, queueName });
    actor("later", () => {}, { broker: consumer, queueName });
    await send.sendWithOptions({ args: [], delay: 50 });
    const worker = new Worker(consumer, { workerTimeout: 100 });
    await worker.start();
    await eventually(() => telemetry.named(`process ${queueName}`).length === 1, "the delayed message ran");
    await worker.stop();
    // One send span: the worker's move to the queue is no send of its own.
    expect(isChildOf(telemetry.one(`process ${queueName}`), telemetry.one(`send ${queueName}`))).toBe(true);
  });

  it("starts a new trace for a message that carries no context", async () => {
    const namespace = unique("bare");
    const producer = brokers.redis(namespace);
    const consumer = brokers.redis(namespace);
    consumer.addMiddleware(telemetry.middleware());
    const queueName = unique("q");
    const send = actor("bare", () => {}, { broker: producer, queueName });
    actor("bare", () => {}, { broker: consumer, queueName });
    await send.send();
    const worker = new Worker(consumer, { workerTimeout: 100 });
    await worker.start();
    await eventually(() => telemetry.named(`process ${queueName}`).length === 1, "the message ran");
    await worker.stop();
    const processed = telemetry.one(`process ${queueName}`);
    expect(processed.parentSpanContext).toBeUndefined();
    expect(processed.links).toEqual([]);
  });
});
