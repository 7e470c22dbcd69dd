import { actor, currentMessage, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { RabbitmqBroker } from "../src/index.js";
import { deleteQueues, RABBITMQ_URL } from "./support/amqp.js";
import { spawnFixture, waitForLine } from "./support/child.js";

describe("crash recovery", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("a worker process killed with SIGKILL while holding 1 000 messages loses none: another worker runs them all", async () => {
    const queueName = uniqueQueue("rmq_crash");
    const broker = new RabbitmqBroker({ url: RABBITMQ_URL });
    cleanup.push(async () => {
      await broker.close();
      await deleteQueues([queueName]);
    });
    const seen = new Set<string>();
    const hold = actor("hold", () => void seen.add(currentMessage().message.messageId), { broker, queueName });
    const sent = await hold.sendMany(Array.from({ length: 1000 }, () => []));

    const child = spawnFixture("holding-worker.ts", [RABBITMQ_URL, queueName, "1000"]);
    cleanup.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    await waitForLine(child, "started");
    // Every message is delivered to the child and unacked there once none is ready.
    await eventually(async () => (await broker.queueStats(queueName)).ready === 0, "the child holds all 1 000 messages", 20_000);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const worker = new Worker(broker, { concurrency: 50, queues: [queueName], workerTimeout: 100 });
    cleanup.push(() => worker.stop());
    await worker.start();
    await eventually(() => seen.size === 1000, "all 1 000 messages ran again", 30_000);
    await broker.join(queueName, { timeout: 10_000 });
    expect([...seen].sort()).toEqual(sent.map((m) => m.messageId).sort());
    expect((await broker.queueStats(queueName)).deadLetters).toBe(0);
  });
});
