import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
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

class Flaky extends Error {}

describe("retries", () => {
  it("makes each attempt its own span under the original send, linked to the attempt before it", async () => {
    const namespace = unique("retry");
    const producer = brokers.redis(namespace);
    const consumer = brokers.redis(namespace);
    producer.addMiddleware(telemetry.middleware());
    consumer.addMiddleware(telemetry.middleware());
    const queueName = unique("q");
    const options = { queueName, maxRetries: 5, minBackoff: 10, maxBackoff: 20 };
    const send = actor("flaky", () => {}, { broker: producer, ...options });
    let attempts = 0;
    actor(
      "flaky",
      () => {
        if (++attempts < 3) throw new Flaky(`attempt ${attempts} failed`);
      },
      { broker: consumer, ...options },
    );
    await send.send();
    const worker = new Worker(consumer, { workerTimeout: 100 });
    await worker.start();
    await eventually(() => telemetry.named(`process ${queueName}`).length === 3, "the third attempt ran");
    await worker.stop();

    const sends = telemetry.named(`send ${queueName}`);
    const original = sends.find((span) => span.kind === SpanKind.PRODUCER);
    if (!original) throw new Error("no producer send span");
    const runs = telemetry.named(`process ${queueName}`);
    expect(runs.map((run) => run.attributes["troupe.retries"])).toEqual([0, 1, 2]);
    expect(runs.map((run) => run.attributes["troupe.outcome"])).toEqual(["error", "error", "ok"]);
    for (const run of runs) expect(isChildOf(run, original)).toBe(true);
    expect(runs[0].links.map((link) => link.context.spanId)).toEqual([original.spanContext().spanId]);
    for (const i of [1, 2]) {
      expect(runs[i].links).toEqual([
        { context: expect.objectContaining({ spanId: original.spanContext().spanId }) },
        {
          context: expect.objectContaining({ spanId: runs[i - 1].spanContext().spanId }),
          attributes: { "troupe.link": "previous_attempt" },
        },
      ]);
    }
    // Each retry's enqueue: a send (CLIENT: the copy keeps the original creation context) under the attempt that failed.
    const retrySends = sends.filter((span) => span !== original);
    expect(retrySends.map((span) => [span.kind, span.attributes["troupe.retries"]])).toEqual([
      [SpanKind.CLIENT, 1],
      [SpanKind.CLIENT, 2],
    ]);
    expect(isChildOf(retrySends[0], runs[0])).toBe(true);
    expect(isChildOf(retrySends[1], runs[1])).toBe(true);
  });

  it("records a failed attempt's exception, status and error.type", async () => {
    const namespace = unique("fail");
    const broker = brokers.redis(namespace);
    broker.addMiddleware(telemetry.middleware());
    const queueName = unique("q");
    const fail = actor(
      "fails",
      () => {
        throw new Flaky("card declined");
      },
      { broker, queueName, maxRetries: 0 },
    );
    await fail.send();
    const worker = new Worker(broker, { workerTimeout: 100 });
    await worker.start();
    await eventually(() => telemetry.named(`process ${queueName}`).length === 1, "the attempt ran");
    await worker.stop();
    const run = telemetry.one(`process ${queueName}`);
    expect(run.status).toEqual({ code: SpanStatusCode.ERROR, message: "card declined" });
    expect(run.attributes["error.type"]).toBe("Flaky");
    expect(run.attributes["troupe.outcome"]).toBe("error");
    expect(run.events.map((event) => [event.name, event.attributes?.["exception.type"], event.attributes?.["exception.message"]])).toEqual([
      ["exception", "Flaky", "card declined"],
    ]);
  });
});
