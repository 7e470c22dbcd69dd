import { actor, ConnectionError, currentMessage, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadProtocolVector, type MessageVector } from "../../../fixtures/protocol-vectors.js";
import { RabbitmqBroker } from "../src/index.js";
import { deleteQueues, RABBITMQ_URL } from "./support/amqp.js";
import { capturingLogger } from "./support/logger.js";
import { findPython, runPeer } from "./support/python.js";
import { rabbitmqctl } from "./support/rabbitmqctl.js";

const queueVectors = loadProtocolVector<any>("rabbitmq-queues.json");
const messageVectors = loadProtocolVector<MessageVector[]>("messages.json");

type ListedQueue = { name: string; durable: boolean; auto_delete: boolean; exclusive: boolean; arguments: [string, string, unknown][] };

/** The vector's queues renamed to `queueName`, arguments sorted, as rabbitmqctl lists them. */
function expectedQueues(listed: ListedQueue[], queueName: string): ListedQueue[] {
  return listed.map((q) => normalize(JSON.parse(JSON.stringify(q).replaceAll("vectors_q", queueName)))).sort(byName);
}

function normalize(queue: ListedQueue): ListedQueue {
  return { ...queue, arguments: [...queue.arguments].sort(([a], [b]) => a.localeCompare(b)) };
}

async function listQueues(names: string[]): Promise<ListedQueue[]> {
  const all = JSON.parse(
    await rabbitmqctl("list_queues", "name", "durable", "auto_delete", "exclusive", "arguments", "--formatter", "json"),
  ) as ListedQueue[];
  return all
    .filter((q) => names.includes(q.name))
    .map(normalize)
    .sort(byName);
}

const byName = (a: ListedQueue, b: ListedQueue) => a.name.localeCompare(b.name);
const family = (q: string) => [q, `${q}.DQ`, `${q}.XQ`];

describe("Dramatiq wire compatibility (RabbitMQ)", () => {
  let python: string;
  const cleanup: (() => Promise<void>)[] = [];
  beforeAll(() => {
    python = findPython();
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  function broker(queueNames: string[], options: ConstructorParameters<typeof RabbitmqBroker>[0] = {}): RabbitmqBroker {
    const made = new RabbitmqBroker({ url: RABBITMQ_URL, logger: capturingLogger(), ...options });
    cleanup.push(async () => {
      await made.close();
      await deleteQueues(queueNames);
    });
    return made;
  }

  it("declares q, q.DQ and q.XQ with exactly Dramatiq's arguments, with and without maxPriority", async () => {
    const plain = uniqueQueue("rmq_proto");
    const ranked = uniqueQueue("rmq_proto");
    await broker([plain]).queueStats(plain);
    await broker([ranked], { maxPriority: 10 }).queueStats(ranked);
    const listed = await listQueues([...family(plain), ...family(ranked)]);
    expect(listed.filter((q) => q.name.startsWith(plain))).toEqual(
      expectedQueues(queueVectors.without_max_priority.rabbitmqctl_list_queues, plain),
    );
    expect(listed.filter((q) => q.name.startsWith(ranked))).toEqual(
      expectedQueues(queueVectors.with_max_priority.rabbitmqctl_list_queues, ranked),
    );
  });

  it("accepts queues that Dramatiq's arguments declared first through pika (32- and 64-bit integers), and works on them", async () => {
    const [plain, ranked, plainLong, rankedLong] = [1, 2, 3, 4].map(() => uniqueQueue("rmq_proto"));
    await runPeer(python, ["declare", RABBITMQ_URL, plain]);
    await runPeer(python, ["declare", RABBITMQ_URL, ranked, "10"]);
    await runPeer(python, ["declare", RABBITMQ_URL, plainLong, "-", "long"]);
    await runPeer(python, ["declare", RABBITMQ_URL, rankedLong, "10", "long"]);
    const seen: string[] = [];
    for (const [queueName, options] of [
      [plain, {}],
      [ranked, { maxPriority: 10 }],
      [plainLong, {}],
      [rankedLong, { maxPriority: 10 }],
    ] as const) {
      const b = broker([queueName], options);
      const echo = actor("echo", (word: string) => void seen.push(word), { broker: b, queueName });
      const worker = new Worker(b, { queues: [queueName], workerTimeout: 100 });
      await worker.start();
      await echo.send(queueName);
      await b.join(queueName, { timeout: 10_000 });
      await worker.stop();
    }
    expect(seen).toEqual([plain, ranked, plainLong, rankedLong]);
    const listed = await listQueues(family(rankedLong));
    expect(listed).toEqual(expectedQueues(queueVectors.declared_first_by_another_client.rabbitmqctl_list_queues, rankedLong));
  });

  it("reports a queue declared with other arguments as a ConnectionError that names the mismatch", async () => {
    const queueName = uniqueQueue("rmq_proto");
    await runPeer(python, ["declare", RABBITMQ_URL, queueName]);
    const b = broker([queueName], { maxPriority: 10 });
    const send = actor("mismatch", () => {}, { broker: b, queueName });
    const error = await send.send().catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("maxPriority");
    expect((error as Error).message).toContain("x-max-priority");
  });

  it("runs Dramatiq's messages (fixtures/protocol-vectors/messages.json) published raw by pika", async () => {
    const queueName = uniqueQueue("rmq_proto");
    const picked = ["plain_send", "args_json_types", "kwargs", "kwargs_only", "delayed_send"];
    const vectors = messageVectors.filter((v) => picked.includes(v.name));
    expect(vectors).toHaveLength(picked.length);
    // Only the queue name changes (it names where the bytes live); everything else is Dramatiq's bytes.
    const raws = vectors.map((v) => v.raw.replaceAll('"queue_name":"vectors_q', `"queue_name":"${queueName}`));
    const b = broker([queueName]);
    const runs = new Map<string, unknown[]>();
    actor("add", (...args: unknown[]) => void runs.set(currentMessage().message.messageId, args), { broker: b, queueName, kwargs: true });
    await b.queueStats(queueName);
    const [delayed, ready] = [raws.filter((r) => r.includes(".DQ")), raws.filter((r) => !r.includes(".DQ"))];
    await runPeer(python, ["publish", RABBITMQ_URL, queueName], `${ready.join("\n")}\n`);
    await runPeer(python, ["publish", RABBITMQ_URL, `${queueName}.DQ`], `${delayed.join("\n")}\n`);
    const worker = new Worker(b, { queues: [queueName], workerTimeout: 100 });
    cleanup.push(() => worker.stop());
    await worker.start();
    await eventually(() => runs.size === raws.length, "every vector ran");
    await b.join(queueName, { timeout: 10_000 });
    for (const raw of raws) {
      const data = JSON.parse(raw);
      expect(runs.get(data.message_id)).toEqual([...data.args, data.kwargs]);
    }
    expect((await b.queueStats(queueName)).deadLetters).toBe(0);
  });

  it("publishes with Dramatiq's properties: delivery_mode 2, priority from broker_priority, no headers or content type", async () => {
    const queueName = uniqueQueue("rmq_proto");
    const b = broker([queueName], { maxPriority: 10 });
    const send = actor("noop", (_a: number, _b: number) => {}, { broker: b, queueName });
    const ranked = await send.sendWithOptions({ args: [1, 2], brokerPriority: 5 });
    const plain = await send.send(3, 4);
    const got = await runPeer<{ properties: Record<string, unknown>; body: string }[]>(python, ["get", RABBITMQ_URL, queueName, "2"]);
    expect(got.map((m) => m.properties)).toEqual([
      queueVectors.with_max_priority.basic_get[0].properties,
      { ...queueVectors.without_max_priority.basic_get[0].properties, priority: null },
    ]);
    expect(got.map((m) => JSON.parse(m.body))).toEqual([ranked.toJSON(), plain.toJSON()]);
  });
});
