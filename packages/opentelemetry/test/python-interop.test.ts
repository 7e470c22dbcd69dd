import { execFile, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { actor, Worker } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Brokers, REDIS_URL, unique } from "./support/brokers.js";
import { Telemetry } from "./support/telemetry.js";

const PEER = fileURLToPath(new URL("./python/trace_peer.py", import.meta.url));
const run = promisify(execFile);

/** The Debian interpreter that has python3-redis, or the first python3 on PATH. */
function python(): string {
  for (const candidate of [process.env.TROUPE_PYTHON, "/usr/bin/python3", "python3"]) {
    if (candidate && spawnSync(candidate, ["-c", "import redis"]).status === 0) return candidate;
  }
  throw new Error("python3 with the redis module is missing: run `apt-get install -y python3-redis` (or set TROUPE_PYTHON)");
}

async function peer(...args: string[]): Promise<unknown> {
  const { stdout } = await run(python(), [PEER, ...args]);
  return JSON.parse(stdout);
}

const brokers = new Brokers();
const telemetry = new Telemetry();
afterEach(async () => {
  await brokers.close();
  telemetry.spanExporter.reset();
});

describe("one trace across Node and Python", () => {
  it("lets a Python consumer read the send span's context from the Troupe message", async () => {
    const namespace = unique("py_read");
    const producer = brokers.redis(namespace);
    producer.addMiddleware(telemetry.middleware());
    const queueName = unique("q");
    const send = actor("to_python", (_text: string) => {}, { broker: producer, queueName });
    const message = await send.send("hello");
    const sent = telemetry.one(`send ${queueName}`).spanContext();
    const read = await peer("consume", REDIS_URL, namespace, queueName, "1", "10000");
    expect(read).toEqual([{ message_id: message.messageId, trace_ctx: { traceparent: `00-${sent.traceId}-${sent.spanId}-01` } }]);
  });

  it("continues in a Troupe worker the trace a Python producer started", async () => {
    const namespace = unique("py_write");
    const consumer = brokers.redis(namespace);
    consumer.addMiddleware(telemetry.middleware());
    const queueName = unique("q");
    actor("from_python", (_text: string) => {}, { broker: consumer, queueName });
    const worker = new Worker(consumer, { workerTimeout: 100 });
    await worker.start();
    const produced = (await peer("produce", REDIS_URL, namespace, queueName, "from_python")) as {
      message_id: string;
      trace_id: string;
      span_id: string;
    };
    await eventually(() => telemetry.named(`process ${queueName}`).length === 1, "the Python message ran");
    await worker.stop();
    const run = telemetry.one(`process ${queueName}`);
    expect(run.attributes["messaging.message.id"]).toBe(produced.message_id);
    expect(run.spanContext().traceId).toBe(produced.trace_id);
    expect(run.parentSpanContext).toMatchObject({ traceId: produced.trace_id, spanId: produced.span_id, isRemote: true });
    expect(run.parentSpanContext?.traceState?.get("py")).toBe("1");
  });
});
