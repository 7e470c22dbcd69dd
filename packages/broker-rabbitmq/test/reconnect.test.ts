import { createServer, type Server, type Socket } from "node:net";
import { actor, ConnectionError, type RawDelivery, type TransportReader, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { RabbitmqBroker, type RabbitmqHandle, RabbitmqTransport } from "../src/index.js";
import { deleteQueues, RABBITMQ_URL, withRawChannel } from "./support/amqp.js";
import { capturingLogger } from "./support/logger.js";
import { closeConnections, rabbitmqctl } from "./support/rabbitmqctl.js";
import { Runs } from "./support/runs.js";

describe("connections", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  /** A broker on a fresh queue with a recording actor, cleaned up after the test. */
  function setup(options: ConstructorParameters<typeof RabbitmqBroker>[0] = {}) {
    const queueName = uniqueQueue("rmq_conn");
    const logger = capturingLogger();
    const connectionName = `test-${queueName}`;
    const broker = new RabbitmqBroker({ url: RABBITMQ_URL, logger, connectionName, ...options });
    const seen: number[] = [];
    const record = actor("record", (n: number) => void seen.push(n), { broker, queueName });
    cleanup.push(async () => {
      await broker.close();
      await deleteQueues([queueName]);
    });
    return { broker, queueName, logger, connectionName, seen, record };
  }

  async function startWorker(broker: RabbitmqBroker, queueName: string): Promise<Worker> {
    const worker = new Worker(broker, { concurrency: 4, queues: [queueName], workerTimeout: 100 });
    await worker.start();
    cleanup.push(() => worker.stop());
    return worker;
  }

  it("a producer whose RabbitMQ is unreachable gets a ConnectionError", async () => {
    const broker = new RabbitmqBroker({ url: "amqp://guest:secret@127.0.0.1:1", connectTimeout: 300, logger: capturingLogger() });
    const send = actor("nowhere", () => {}, { broker, queueName: uniqueQueue("rmq_conn") });
    const error = await send.send().catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("amqp://guest:***@127.0.0.1:1");
    await broker.close();
  });

  it("a producer whose server accepts TCP but never speaks AMQP gets a ConnectionError after connectTimeout", async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const broker = new RabbitmqBroker({ url: `amqp://127.0.0.1:${port}`, connectTimeout: 500, logger: capturingLogger() });
    const send = actor("silent", () => {}, { broker, queueName: uniqueQueue("rmq_conn") });
    const error = await send.send().catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("within 500 ms");
    await broker.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("fails over to the next URL when the first is down", async () => {
    const { broker, queueName, seen, record } = setup({ url: ["amqp://127.0.0.1:1", RABBITMQ_URL] });
    await startWorker(broker, queueName);
    await record.send(1);
    await broker.join(queueName, { timeout: 10_000 });
    expect(seen).toEqual([1]);
  });

  it("uses the vhost of the URL", async () => {
    const vhost = uniqueQueue("troupe_vhost");
    await rabbitmqctl("add_vhost", vhost);
    cleanup.push(async () => void (await rabbitmqctl("delete_vhost", vhost)));
    await rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
    const { broker, queueName, seen, record } = setup({ url: `${RABBITMQ_URL}/${vhost}?heartbeat=5` });
    await startWorker(broker, queueName);
    await record.send(7);
    await broker.join(queueName, { timeout: 10_000 });
    expect(seen).toEqual([7]);
    const inVhost = await withRawChannel((channel) => channel.checkQueue(`${queueName}.XQ`), `${RABBITMQ_URL}/${vhost}`);
    expect(inVhost.queue).toBe(`${queueName}.XQ`);
  });

  it("producers and consumers recover from rabbitmqctl close_connection and log it once", async () => {
    const { broker, queueName, logger, connectionName, seen, record } = setup();
    await startWorker(broker, queueName);
    await record.send(1);
    await eventually(() => seen.length === 1, "the first message ran");
    expect(await closeConnections(connectionName)).toBe(2);
    await record.send(2);
    await eventually(() => seen.length === 2, "a message sent after the forced close ran");
    await broker.join(queueName, { timeout: 10_000 });
    expect(seen).toEqual([1, 2]);
    expect(logger.warnings.filter((line) => line.includes("connection") && line.includes("lost"))).toHaveLength(2);
  });

  it("recovers when its queues are deleted under it: the consumer and the producer declare them again", async () => {
    const { broker, queueName, seen, record } = setup();
    await startWorker(broker, queueName);
    await record.send(1);
    await eventually(() => seen.length === 1, "the first message ran");
    await deleteQueues([queueName]);
    await record.send(2);
    await eventually(() => seen.length === 2, "a message sent after the deletion ran");
    expect(seen).toEqual([1, 2]);
    expect((await broker.queueStats(queueName)).ready).toBe(0);
  });

  it("does not ack on a new channel the deliveries of a channel that died", async () => {
    const { queueName, logger, connectionName, record } = setup();
    const sent = await record.send(1);
    const transport = new RabbitmqTransport({ url: RABBITMQ_URL, logger, connectionName: `${connectionName} reader` });
    cleanup.push(() => transport.close());
    const dead = await transport.openReader(queueName, { prefetch: 10 });
    const first = await nextDelivery(dead);
    expect(await closeConnections(`${connectionName} reader consumer`)).toBe(1);
    await eventually(() => !dead.alive, "the reader died with its channel");
    const live = await transport.openReader(queueName, { prefetch: 10 });
    const again = await nextDelivery(live);
    expect(JSON.parse(again.data.toString()).message_id).toBe(sent.messageId);
    expect(again.handle.tag).toBe(first.handle.tag);
    // Acking the dead channel's delivery, on either reader, must leave the live one (same tag, new channel) unacked.
    await dead.ack([first.handle]);
    await live.ack([first.handle]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await live.close();
    await eventually(async () => (await transport.stats(queueName)).ready === 1, "the live delivery went back to the queue");
  });

  it("after a connection loss the worker drops the deliveries it had buffered: only the message running at the loss runs twice", async () => {
    const { broker, queueName, logger, connectionName } = setup();
    const runs = new Runs();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let first = true;
    const gated = actor(
      "gated",
      async () => {
        runs.record();
        if (first) {
          first = false;
          await gate;
        }
      },
      { broker, queueName },
    );
    const sent = await gated.sendMany(Array.from({ length: 50 }, () => []));
    const worker = new Worker(broker, { concurrency: 1, prefetch: 100, queues: [queueName], workerTimeout: 100 });
    cleanup.push(() => worker.stop());
    await worker.start();
    await eventually(() => runs.size === 1, "the first message is running");
    await eventually(async () => (await broker.queueStats(queueName)).ready === 0, "the other 49 wait in the worker's buffer");
    expect(await closeConnections(`${connectionName} consumer`)).toBe(1);
    await eventually(() => logger.infos.some((line) => line.includes("consumer connection re-established")), "the consumer reconnected");
    release();
    await eventually(() => runs.size === 50, "every message ran");
    await broker.join(queueName, { timeout: 10_000 });
    expect(runs.duplicates()).toEqual([sent[0].messageId]);
  });

  it("lists, requeues and purges dead letters", async () => {
    const { broker, queueName } = setup();
    const failing = actor(
      "fails",
      () => {
        throw new Error("no");
      },
      { broker, queueName, maxRetries: 0 },
    );
    const sent = await failing.sendMany([[], [], []]);
    const worker = await startWorker(broker, queueName);
    await eventually(async () => (await broker.queueStats(queueName)).deadLetters === 3, "three dead letters");
    await worker.stop();
    const listed = await broker.listDeadLetters(queueName, { limit: 2 });
    expect(listed.map((letter) => letter.id)).toEqual(sent.slice(0, 2).map((m) => m.messageId));
    expect(listed.every((letter) => typeof letter.deadAt === "number")).toBe(true);
    expect((await broker.queueStats(queueName)).deadLetters).toBe(3);
    await withRawChannel(async (channel) => {
      channel.sendToQueue(`${queueName}.XQ`, Buffer.from("garbage"));
      await channel.waitForConfirms();
    });
    expect(await broker.requeueDeadLetters(queueName, { limit: 2 })).toBe(2);
    const stats = await broker.queueStats(queueName);
    expect([stats.ready, stats.deadLetters]).toEqual([2, 2]);
    expect(await broker.purgeDeadLetters(queueName)).toBe(2);
    expect((await broker.queueStats(queueName)).deadLetters).toBe(0);
  });
});

/** The first delivery a reader hands out, waiting for its wake-ups. */
async function nextDelivery(reader: TransportReader<RabbitmqHandle>): Promise<RawDelivery<RabbitmqHandle>> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const [delivery] = await reader.fetch(1, []);
    if (delivery) return delivery;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 50);
      const stop = reader.onReady?.(done);
      function done() {
        clearTimeout(timer);
        stop?.();
        resolve();
      }
    });
  }
  throw new Error("the reader handed out nothing");
}
