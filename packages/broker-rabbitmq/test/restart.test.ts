import { actor, currentMessage, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { RabbitmqBroker } from "../src/index.js";
import { deleteQueues, RABBITMQ_URL } from "./support/amqp.js";
import { capturingLogger } from "./support/logger.js";
import { rabbitmqctl, restartRabbitmq } from "./support/rabbitmqctl.js";

const TOTAL = 10_000;
const BATCH = 100;

describe("RabbitMQ restart", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("stop_app/start_app in the middle of a 10 000-message run: every confirmed message is processed, and each connection logs the outage once", async () => {
    const queueName = uniqueQueue("rmq_restart");
    const producerLog = capturingLogger();
    const workerLog = capturingLogger();
    const producer = new RabbitmqBroker({ url: RABBITMQ_URL, logger: producerLog, connectTimeout: 30_000 });
    const consumer = new RabbitmqBroker({ url: RABBITMQ_URL, logger: workerLog });
    cleanup.push(async () => {
      await producer.close();
      await consumer.close();
      await deleteQueues([queueName]);
    });
    let restart: Promise<void> | undefined;
    const seen = new Set<string>();
    const work = actor("work", (_n: number) => void seen.add(currentMessage().message.messageId), { broker: consumer, queueName });
    const send = actor("work", (_n: number) => {}, { broker: producer, queueName });
    const worker = new Worker(consumer, { concurrency: 50, queues: [work.queueName], workerTimeout: 100 });
    cleanup.push(() => worker.stop());
    await worker.start();

    // Whatever happens in the test, RabbitMQ is running again afterwards: teammates share it.
    cleanup.push(async () => {
      await restart?.catch(() => {});
      await rabbitmqctl("start_app");
    });
    const confirmed: string[] = [];
    for (let n = 0; confirmed.length < TOTAL; n++) {
      if (!restart && confirmed.length >= TOTAL / 3) {
        // Stopped here, so two thirds of the run are sent across the outage; it starts again a second later.
        await rabbitmqctl("stop_app");
        restart = restartRabbitmq(1000);
      }
      try {
        const sent = await send.sendMany(Array.from({ length: BATCH }, (_, i) => [n * BATCH + i]));
        for (const message of sent) confirmed.push(message.messageId);
      } catch {
        // Not confirmed: these may or may not arrive; only confirmed ones must.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await restart;

    await eventually(() => confirmed.every((id) => seen.has(id)), "every confirmed message ran", 60_000);
    await consumer.join(queueName, { timeout: 30_000 });
    expect(confirmed.filter((id) => !seen.has(id))).toEqual([]);
    expect(producerLog.infos.filter((line) => line.includes("producer connection re-established"))).toHaveLength(1);
    expect(workerLog.infos.filter((line) => line.includes("consumer connection re-established"))).toHaveLength(1);
    expect(producerLog.warnings.filter((line) => line.includes("producer connection") && line.includes("lost"))).toHaveLength(1);
    expect(workerLog.warnings.filter((line) => line.includes("consumer connection") && line.includes("lost"))).toHaveLength(1);
    expect(await rabbitmqctl("list_queues", "name")).toContain(queueName);
  });
});
