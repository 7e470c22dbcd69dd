import { actor, currentMessage, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { RabbitmqBroker } from "../src/index.js";
import { deleteQueues, RABBITMQ_URL } from "./support/amqp.js";
import { capturingLogger } from "./support/logger.js";
import { closeConnections } from "./support/rabbitmqctl.js";

describe("currentMessage().redelivered on RabbitMQ", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("is false on the first delivery and true on the copy RabbitMQ requeued when the consumer's connection dropped", async () => {
    const queueName = uniqueQueue("rmq_redelivered");
    const connectionName = `test-${queueName}`;
    const logger = capturingLogger();
    const broker = new RabbitmqBroker({ url: RABBITMQ_URL, logger, connectionName });
    cleanup.push(async () => {
      await broker.close();
      await deleteQueues([queueName]);
    });
    const runs: boolean[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gated = actor(
      "gated",
      async () => {
        runs.push(currentMessage().redelivered);
        if (runs.length === 1) await gate;
      },
      { broker, queueName },
    );
    const worker = new Worker(broker, { concurrency: 2, queues: [queueName], workerTimeout: 100 });
    cleanup.push(() => worker.stop());
    await worker.start();
    await gated.send();
    await eventually(() => runs.length === 1, "the first delivery is running");
    expect(await closeConnections(`${connectionName} consumer`)).toBe(1);
    await eventually(() => runs.length === 2, "RabbitMQ delivered the message again");
    release();
    await broker.join(queueName, { timeout: 10_000 });
    expect(runs).toEqual([false, true]);
  });
});
