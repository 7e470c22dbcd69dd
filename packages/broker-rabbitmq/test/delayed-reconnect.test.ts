import { actor, delayQueueName, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { TcpProxy } from "../../../test-support/tcp-proxy.js";
import { RabbitmqBroker } from "../src/index.js";
import { deleteQueues, RABBITMQ_URL } from "./support/amqp.js";
import { capturingLogger } from "./support/logger.js";
import { Runs } from "./support/runs.js";

const COUNT = 400;
const DELAY = 4000;

describe("delayed messages across a connection loss", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it(`${COUNT} delayed messages held by a worker whose connection drops each run exactly once`, async () => {
    const queueName = uniqueQueue("rmq_delay_drop");
    const proxy = await TcpProxy.start({ port: 5672 });
    const logger = capturingLogger();
    const producer = new RabbitmqBroker({ url: RABBITMQ_URL, logger: capturingLogger() });
    const broker = new RabbitmqBroker({ url: `amqp://guest:guest@127.0.0.1:${proxy.port}`, logger });
    cleanup.push(async () => {
      await broker.close();
      await producer.close();
      await proxy.close();
      await deleteQueues([queueName]);
    });
    const runs = new Runs();
    actor("later", runs.record, { broker, queueName });
    const send = actor("later", () => {}, { broker: producer, queueName });
    const worker = new Worker(broker, { concurrency: 20, queues: [queueName], workerTimeout: 100 });
    cleanup.push(() => worker.stop());
    await worker.start();

    const sent = await send.sendMany(
      Array.from({ length: COUNT }, () => []),
      { delay: DELAY },
    );
    const delayQueue = delayQueueName(queueName);
    const heldByWorker = async () => (await producer.queueStats(queueName)).delayed === 0;
    await eventually(heldByWorker, `the worker holds all ${COUNT} on ${delayQueue}`);
    expect(runs.size).toBe(0);

    proxy.drop();
    // RabbitMQ hands the dropped deliveries out again on the new channel: the worker holds both copies for a moment.
    await eventually(() => logger.infos.some((line) => line.includes("consumer connection re-established")), "the consumer reconnected");
    await eventually(heldByWorker, `the worker holds all ${COUNT} again`);

    await eventually(() => runs.size === COUNT, `all ${COUNT} ran`, DELAY + 15_000);
    await producer.join(queueName, { timeout: 15_000 });
    await broker.join(queueName, { timeout: 15_000 });
    expect(runs.missing(sent.map((m) => m.messageId))).toEqual([]);
    expect(runs.duplicates()).toEqual([]);
    expect(logger.warnings.filter((line) => line.includes("consumer connection") && line.includes("lost"))).toHaveLength(1);
  }, 60_000);
});
