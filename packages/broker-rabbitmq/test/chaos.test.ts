import { uniqueQueue } from "@troupe/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrivateRabbitmq } from "../../../test-support/private-rabbitmq.js";
import { TcpProxy } from "../../../test-support/tcp-proxy.js";
import { RabbitmqBroker } from "../src/index.js";
import { Ledger } from "./support/ledger.js";
import { capturingLogger } from "./support/logger.js";
import { startTraffic } from "./support/traffic.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DROPS = 4;
const STALL = 10_000;

describe("RabbitMQ chaos through a proxy", () => {
  let node: PrivateRabbitmq;
  beforeAll(async () => {
    node = await PrivateRabbitmq.start();
  });
  afterAll(async () => {
    await node?.close();
  });

  it(`connection drops every 2 s, then a ${STALL / 1000} s stall, while sending and working: no confirmed message is lost, every duplicate was in flight at a fault, each loss is logged`, async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const proxy = await TcpProxy.start({ port: node.port });
    const url = `amqp://guest:guest@127.0.0.1:${proxy.port}`;
    const queueName = uniqueQueue("rmq_chaos");
    const producerLog = capturingLogger();
    const workerLog = capturingLogger();
    // A short connectTimeout: a dial caught by the stall gives up soon and tries again.
    const producer = new RabbitmqBroker({ url, logger: producerLog, connectTimeout: 2000 });
    const consumer = new RabbitmqBroker({ url, logger: workerLog, connectTimeout: 2000 });
    const ledger = new Ledger();
    const traffic = await startTraffic({ producer, consumer, queueName, ledger });
    try {
      for (let drop = 1; drop <= DROPS; drop++) {
        await sleep(2000);
        const at = Date.now();
        proxy.drop();
        ledger.fault(`drop ${drop}`, at, at);
      }
      await sleep(2000);
      const stalledAt = Date.now();
      proxy.stall();
      await sleep(STALL);
      // The link comes back, and what was stuck on it is reset (bytes the stall swallowed cannot be replayed).
      proxy.resume();
      proxy.drop();
      ledger.fault("stall", stalledAt, Date.now());
      await sleep(3000);
    } finally {
      await traffic.stop();
    }

    const deadline = Date.now() + 60_000;
    while (ledger.lost().length > 0 && Date.now() < deadline) await sleep(100);
    await consumer.join(queueName, { timeout: 30_000 });
    await traffic.worker.stop();
    const report = {
      confirmed: ledger.confirmed().length,
      rejected: Object.fromEntries(ledger.rejections),
      lost: ledger.lost().length,
      duplicates: ledger.duplicates().length,
      recoveryMs: ledger.recoveryTimes(),
    };
    console.log(`chaos (drops + stall): ${JSON.stringify(report)}`);
    await consumer.close();
    await producer.close();
    await proxy.close();
    process.off("unhandledRejection", onUnhandled);

    expect(report.confirmed).toBeGreaterThan(1000);
    expect(ledger.lost()).toEqual([]);
    expect(ledger.unexplained()).toEqual([]);
    // Every fault that cut the consumer's connection left one line saying so and that it reconnects.
    const consumerLost = workerLog.warnings.filter((line) => line.includes("consumer connection") && line.includes("reconnecting"));
    expect(consumerLost).toHaveLength(DROPS + 1);
    expect(workerLog.infos.filter((line) => line.includes("consumer connection re-established"))).toHaveLength(DROPS + 1);
    // The producer's sends during the stall failed with a reason, and it logged each connection it lost or gave up.
    expect(report.rejected.EnqueueUncertain ?? 0).toBeGreaterThan(0);
    expect(producerLog.warnings.some((line) => line.includes("producer connection") && line.includes("reconnecting"))).toBe(true);
    expect(unhandled).toEqual([]);
  }, 120_000);
});
