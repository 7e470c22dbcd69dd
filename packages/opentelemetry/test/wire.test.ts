import { context, trace } from "@opentelemetry/api";
import type { RedisBroker } from "@troupe/broker-redis";
import { Message } from "@troupe/core";
import { afterAll, describe, expect, it } from "vitest";
import { OpenTelemetry } from "../src/index.js";
import { Brokers, unique } from "./support/brokers.js";
import { Telemetry } from "./support/telemetry.js";

const brokers = new Brokers();
const telemetry = new Telemetry();
afterAll(() => brokers.close());

/** The same message every time: fixed id, timestamp and copy name. */
const fixedMessage = (queueName: string) =>
  new Message({
    queueName,
    actorName: "greet",
    args: ["ada", 1],
    options: { redis_message_id: "7f0c6a43-1d5e-4c3b-9a3f-2b1e8d9c0a11" },
    messageId: "3c6f1b2a-8d4e-4f5a-9b7c-1e2d3f4a5b6c",
    messageTimestamp: 1_700_000_000_000,
  });

async function storedBytes(broker: RedisBroker, message: Message): Promise<string> {
  await broker.enqueue(message);
  return (await broker.client.hget(broker.key(`${message.queueName}.msgs`), message.options.redis_message_id as string)) as string;
}

describe("the wire", () => {
  it("is untouched by a broker without the middleware, even under an active span of a registered SDK", async () => {
    trace.setGlobalTracerProvider(telemetry.tracerProvider);
    const queueName = unique("q");
    const broker = brokers.redis(unique("plain"));
    let bytes = "";
    await telemetry.inSpan("request", async () => {
      expect(trace.getSpan(context.active())).toBeDefined();
      bytes = await storedBytes(broker, fixedMessage(queueName));
    });
    const copyName = JSON.parse(bytes).options.redis_message_id;
    expect(bytes).toBe(
      `{"queue_name":"${queueName}","actor_name":"greet","args":["ada",1],"kwargs":{},"options":{"redis_message_id":"${copyName}"},` +
        `"message_id":"3c6f1b2a-8d4e-4f5a-9b7c-1e2d3f4a5b6c","message_timestamp":1700000000000}`,
    );
    trace.disable();
  });

  it("with the middleware, differs only by the trace_ctx key at the end of the options", async () => {
    const queueName = unique("q");
    const plain = brokers.redis(unique("plain"));
    const traced = brokers.redis(unique("traced"));
    traced.addMiddleware(new OpenTelemetry({ tracerProvider: telemetry.tracerProvider, meterProvider: telemetry.meterProvider }));
    const without = await storedBytes(plain, fixedMessage(queueName));
    const withIt = await storedBytes(traced, fixedMessage(queueName));
    const sent = telemetry.one(`send ${queueName}`).spanContext();
    const carrier = `"trace_ctx":{"traceparent":"00-${sent.traceId}-${sent.spanId}-01"}`;
    expect(withIt).toBe(without.replace(/("options":\{[^}]*)\}/, `$1,${carrier}}`));
  });
});
