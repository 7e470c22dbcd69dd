import { actor, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { RabbitmqBroker } from "../src/index.js";
import { deleteQueues, RABBITMQ_URL } from "./support/amqp.js";
import { capturingLogger } from "./support/logger.js";

describe("consumerCounts", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("counts the consumers of a queue and its delay queue as workers start and stop", async () => {
    const queueName = uniqueQueue("rmq_consumers");
    const observer = new RabbitmqBroker({ url: RABBITMQ_URL, logger: capturingLogger() });
    cleanup.push(async () => {
      await observer.close();
      await deleteQueues([queueName]);
    });
    expect(await observer.consumerCounts(queueName)).toEqual({ queue: 0, delayQueue: 0 });

    const workers: { broker: RabbitmqBroker; worker: Worker }[] = [];
    for (let i = 0; i < 2; i++) {
      const broker = new RabbitmqBroker({ url: RABBITMQ_URL, logger: capturingLogger() });
      actor("noop", () => {}, { broker, queueName });
      const worker = new Worker(broker, { concurrency: 1, queues: [queueName], workerTimeout: 100 });
      await worker.start();
      workers.push({ broker, worker });
    }
    await eventually(async () => (await observer.consumerCounts(queueName)).queue === 2, "two consumers on the queue", 10_000);
    expect((await observer.consumerCounts(queueName)).delayQueue).toBe(2);

    for (const { broker, worker } of workers) {
      await worker.stop();
      await broker.close();
    }
    await eventually(async () => (await observer.consumerCounts(queueName)).queue === 0, "no consumer left", 10_000);
  });
});
