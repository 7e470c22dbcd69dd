import { actor, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { loadProtocolVector, type MessageVector } from "../../../fixtures/protocol-vectors.js";
import { RabbitmqBroker } from "../src/index.js";
import { deleteQueues, publishRaw, RABBITMQ_URL, withRawChannel } from "./support/amqp.js";
import { capturingLogger } from "./support/logger.js";

// The poison matrix every broker must handle is in the testkit conformance suite; this checks what RabbitMQ adds.
describe("poison input", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("garbage bytes, Dramatiq's NaN vector and an unknown actor published raw land in q.XQ byte for byte (with RabbitMQ's x-death), and the worker keeps going", async () => {
    const queueName = uniqueQueue("rmq_poison");
    const broker = new RabbitmqBroker({ url: RABBITMQ_URL, logger: capturingLogger() });
    cleanup.push(async () => {
      await broker.close();
      await deleteQueues([queueName]);
    });
    const seen: number[] = [];
    const record = actor("record", (n: number) => void seen.push(n), { broker, queueName });
    const worker = new Worker(broker, { concurrency: 2, queues: [queueName], workerTimeout: 100 });
    cleanup.push(() => worker.stop());
    await worker.start();

    const garbage = Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x22]);
    const stranger = JSON.stringify({ ...record.message(1).toJSON(), actor_name: "nobody_here" });
    await publishRaw(queueName, garbage);
    // Python Dramatiq's bytes for add.send(nan, inf, -inf) (fixtures/protocol-vectors/messages-nonstandard.json).
    const nonFinite = Buffer.from(loadProtocolVector<MessageVector[]>("messages-nonstandard.json")[0].raw);
    await publishRaw(queueName, stranger);
    await publishRaw(queueName, nonFinite);
    await record.send(2);
    await eventually(async () => (await broker.queueStats(queueName)).deadLetters === 3, "three messages are dead-lettered");
    await eventually(() => seen.length === 1, "the good message ran");
    await record.send(3);
    await eventually(() => seen.length === 2, "the worker kept going");

    const dead = await withRawChannel(async (channel) => {
      const letters = [];
      for (let got = await channel.get(`${queueName}.XQ`); got; got = await channel.get(`${queueName}.XQ`)) letters.push(got);
      return letters;
    });
    expect(dead.map((letter) => letter.content)).toEqual([garbage, Buffer.from(stranger), nonFinite]);
    for (const letter of dead) {
      const [death] = (letter.properties.headers?.["x-death"] ?? []) as { reason: string; queue: string }[];
      expect([death.reason, death.queue]).toEqual(["rejected", queueName]);
    }
    expect(seen).toEqual([2, 3]);
  });
});
