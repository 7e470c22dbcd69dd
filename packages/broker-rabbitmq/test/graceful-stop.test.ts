import { actor, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { RabbitmqBroker } from "../src/index.js";
import { deleteQueues, RABBITMQ_URL } from "./support/amqp.js";
import { capturingLogger } from "./support/logger.js";
import { Runs } from "./support/runs.js";

const TOTAL = 6000;
const STOPS = 5;

describe("graceful stop", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it(`${STOPS} workers stopped gracefully in the middle of a ${TOTAL}-message run: every finished message was acked, none runs twice`, async () => {
    const queueName = uniqueQueue("rmq_stop");
    const producer = new RabbitmqBroker({ url: RABBITMQ_URL, logger: capturingLogger() });
    cleanup.push(async () => {
      await producer.close();
      await deleteQueues([queueName]);
    });
    const send = actor("tick", () => {}, { broker: producer, queueName });
    const sent = await send.sendMany(Array.from({ length: TOTAL }, () => []));
    const runs = new Runs();
    const ranBeforeStop: number[] = [];

    for (let round = 0; round <= STOPS; round++) {
      const broker = new RabbitmqBroker({ url: RABBITMQ_URL, logger: capturingLogger() });
      actor("tick", runs.record, { broker, queueName });
      const worker = new Worker(broker, { concurrency: 50, queues: [queueName], workerTimeout: 100 });
      await worker.start();
      if (round < STOPS) {
        // Stopped while hundreds of messages are in its hands: acks pending, actors finishing, a full prefetch buffer.
        const target = ((round + 1) * TOTAL) / (STOPS + 2);
        await eventually(() => runs.size >= target, `${target} messages ran`, 30_000);
        await worker.stop();
        await broker.close();
        ranBeforeStop.push(runs.size);
      } else {
        await eventually(() => runs.size === TOTAL, "every message ran", 60_000);
        await broker.join(queueName, { timeout: 30_000 });
        await worker.stop();
        await broker.close();
      }
    }

    expect(ranBeforeStop.every((n) => n < TOTAL)).toBe(true);
    expect(runs.missing(sent.map((m) => m.messageId))).toEqual([]);
    expect(runs.duplicates()).toEqual([]);
    expect((await producer.queueStats(queueName)).ready).toBe(0);
  }, 120_000);
});
