import { actor, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { RabbitmqBroker } from "../src/index.js";
import { deleteQueues, RABBITMQ_URL } from "./support/amqp.js";

describe("priorities", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("with maxPriority and prefetch 1, higher brokerPriority comes out first", async () => {
    const queueName = uniqueQueue("rmq_priority");
    const broker = new RabbitmqBroker({ url: RABBITMQ_URL, maxPriority: 10 });
    cleanup.push(async () => {
      await broker.close();
      await deleteQueues([queueName]);
    });
    const order: number[] = [];
    const ranked = actor("ranked", (rank: number) => void order.push(rank), { broker, queueName });
    const ranks = [3, 0, 7, 10, 1, 9, 5, 2, 8, 4, 6, 10, 0];
    for (const rank of ranks) await ranked.sendWithOptions({ args: [rank], brokerPriority: rank });
    const worker = new Worker(broker, { concurrency: 1, prefetch: 1, queues: [queueName], workerTimeout: 100 });
    cleanup.push(() => worker.stop());
    await worker.start();
    await eventually(() => order.length === ranks.length, "every message ran");
    expect(order).toEqual([...ranks].sort((a, b) => b - a));
  });
});
