import { uniqueQueue } from "@troupe/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrivateRabbitmq } from "../../../test-support/private-rabbitmq.js";
import { RabbitmqBroker } from "../src/index.js";
import { Ledger } from "./support/ledger.js";
import { capturingLogger } from "./support/logger.js";
import { startTraffic } from "./support/traffic.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A node of this file's own: restarting the machine's shared RabbitMQ would break everyone else's tests.
describe("RabbitMQ restart", () => {
  let node: PrivateRabbitmq;
  beforeAll(async () => {
    node = await PrivateRabbitmq.start();
  });
  afterAll(async () => {
    await node?.close();
  });

  /** Sends and works while `restart` runs in the middle; then accounts for every message. */
  async function restartMidRun(name: string, restart: () => Promise<void>) {
    const queueName = uniqueQueue("rmq_restart");
    const producerLog = capturingLogger();
    const workerLog = capturingLogger();
    // Sends during the outage wait for RabbitMQ to come back rather than fail.
    const producer = new RabbitmqBroker({ url: node.url, logger: producerLog, connectTimeout: 30_000 });
    const consumer = new RabbitmqBroker({ url: node.url, logger: workerLog });
    const ledger = new Ledger();
    const traffic = await startTraffic({ producer, consumer, queueName, ledger, batch: 100 });
    try {
      await sleep(1000);
      // Delayed messages the worker holds unacked across the restart, due well after it: each must run once.
      const delayed = Array.from({ length: 500 }, () => traffic.message());
      const sentAt = Date.now();
      await producer.enqueueMany(delayed, { delay: 12_000 });
      ledger.sent(
        delayed.map((m) => m.messageId),
        sentAt,
      );
      await sleep(2500);
      const from = Date.now();
      await restart();
      ledger.fault(name, from, Date.now());
      await sleep(3000);
    } finally {
      await traffic.stop();
    }
    const deadline = Date.now() + 60_000;
    while (ledger.lost().length > 0 && Date.now() < deadline) await sleep(100);
    await consumer.join(queueName, { timeout: 30_000 });
    await traffic.worker.stop();
    await consumer.close();
    await producer.close();
    console.log(
      `${name}: ${JSON.stringify({
        confirmed: ledger.confirmed().length,
        rejected: Object.fromEntries(ledger.rejections),
        lost: ledger.lost().length,
        duplicates: ledger.duplicates().length,
        recoveryMs: ledger.recoveryTimes()[name],
      })}`,
    );
    return { ledger, producerLog, workerLog, queueName };
  }

  function expectEachConnectionLoggedOnce(producerLog: ReturnType<typeof capturingLogger>, workerLog: ReturnType<typeof capturingLogger>) {
    expect(producerLog.warnings.filter((line) => line.includes("producer connection") && line.includes("lost"))).toHaveLength(1);
    expect(producerLog.infos.filter((line) => line.includes("producer connection re-established"))).toHaveLength(1);
    expect(workerLog.warnings.filter((line) => line.includes("consumer connection") && line.includes("lost"))).toHaveLength(1);
    expect(workerLog.infos.filter((line) => line.includes("consumer connection re-established"))).toHaveLength(1);
  }

  it("stop_app, 1 s down, start_app in the middle of a run with sends during the outage: every confirmed message runs, every duplicate was in flight at the restart, each connection logs the outage once", async () => {
    const { ledger, producerLog, workerLog, queueName } = await restartMidRun("stop_app/start_app", async () => {
      await node.stopApp();
      await sleep(1000);
      await node.startApp();
    });
    expect(ledger.confirmed().length).toBeGreaterThan(1000);
    expect(ledger.lost()).toEqual([]);
    expect(ledger.unexplained()).toEqual([]);
    expectEachConnectionLoggedOnce(producerLog, workerLog);
    expect(await node.ctl("list_queues", "name")).toContain(queueName);
  }, 120_000);

  it("the whole node stopped and started again in the middle of a run: the queues and the messages held or waiting survive, nothing confirmed is lost", async () => {
    const { ledger, producerLog, workerLog } = await restartMidRun("node stop/start", async () => {
      await node.stop();
      await node.boot();
    });
    expect(ledger.confirmed().length).toBeGreaterThan(1000);
    expect(ledger.lost()).toEqual([]);
    expect(ledger.unexplained()).toEqual([]);
    expectEachConnectionLoggedOnce(producerLog, workerLog);
  }, 120_000);
});
