import { actor, ConnectionError, EnqueueUncertain, InvalidOption, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { TcpProxy } from "../../../test-support/tcp-proxy.js";
import { RabbitmqBroker } from "../src/index.js";
import { deleteQueues } from "./support/amqp.js";
import { capturingLogger } from "./support/logger.js";
import { Runs } from "./support/runs.js";

const PUBLISH_TIMEOUT = 1000;
const CONNECT_TIMEOUT = 1500;

/** Settles `promise` and says how long it took; the bound checked is many times the timeout, so a slow machine cannot fail it. */
async function timed<T>(promise: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const start = Date.now();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - start };
}

describe("publishing on a stalled connection", () => {
  const cleanup: (() => Promise<void>)[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    process.off("unhandledRejection", onUnhandled);
  });

  it("publishTimeout defaults to connectTimeout and must be a positive number of ms", async () => {
    const broker = new RabbitmqBroker({ connectTimeout: 1234, logger: capturingLogger() });
    expect(broker.publishTimeout).toBe(1234);
    await broker.close();
    for (const publishTimeout of [0, -1, Number.NaN, 2 ** 31]) {
      expect(() => new RabbitmqBroker({ publishTimeout })).toThrow(InvalidOption);
    }
  });

  it("send rejects with EnqueueUncertain within publishTimeout when the publish left and no confirm came, with ConnectionError when nothing left, and works again after the stall", async () => {
    process.on("unhandledRejection", onUnhandled);
    const queueName = uniqueQueue("rmq_stall");
    const proxy = await TcpProxy.start({ port: 5672 });
    const logger = capturingLogger();
    const broker = new RabbitmqBroker({
      url: `amqp://guest:guest@127.0.0.1:${proxy.port}`,
      logger,
      publishTimeout: PUBLISH_TIMEOUT,
      connectTimeout: CONNECT_TIMEOUT,
    });
    cleanup.push(async () => {
      await broker.close();
      await proxy.close();
      await deleteQueues([queueName]);
    });
    const runs = new Runs();
    const send = actor("stall", runs.record, { broker, queueName });
    const first = await send.send();

    proxy.stall();
    const stalled = await timed(send.send());
    expect(EnqueueUncertain.isInstance(stalled.error)).toBe(true);
    expect((stalled.error as Error).message).toContain(`${PUBLISH_TIMEOUT} ms`);
    expect(stalled.ms).toBeLessThan(PUBLISH_TIMEOUT * 10);
    // The connection that stopped answering was given up, with one line saying so.
    expect(logger.warnings.filter((line) => line.includes("producer connection") && line.includes("reconnecting"))).toHaveLength(1);

    // Still stalled: the new connection cannot even be opened, so nothing left this process.
    const unreachable = await timed(send.send());
    expect(ConnectionError.isInstance(unreachable.error)).toBe(true);
    expect(EnqueueUncertain.isInstance(unreachable.error)).toBe(false);
    expect(unreachable.ms).toBeLessThan((CONNECT_TIMEOUT + PUBLISH_TIMEOUT) * 10);

    proxy.resume();
    const after = await send.sendMany([[], []]);
    const worker = new Worker(broker, { concurrency: 4, queues: [queueName], workerTimeout: 100 });
    cleanup.push(() => worker.stop());
    await worker.start();
    const confirmed = [first, ...after].map((m) => m.messageId);
    await eventually(() => confirmed.every((id) => runs.has(id)), "the confirmed messages ran");
    expect(runs.missing(confirmed)).toEqual([]);
    expect(unhandled).toEqual([]);
  }, 60_000);

  it("a batch sent while the connection is stalled rejects as a whole, and none of it is published later", async () => {
    process.on("unhandledRejection", onUnhandled);
    const queueName = uniqueQueue("rmq_stall");
    const proxy = await TcpProxy.start({ port: 5672 });
    const broker = new RabbitmqBroker({
      url: `amqp://guest:guest@127.0.0.1:${proxy.port}`,
      logger: capturingLogger(),
      publishTimeout: PUBLISH_TIMEOUT,
    });
    cleanup.push(async () => {
      await broker.close();
      await proxy.close();
      await deleteQueues([queueName]);
    });
    const send = actor("stall", () => {}, { broker, queueName });
    await send.send();
    proxy.stall();
    const stalled = await timed(send.sendMany(Array.from({ length: 500 }, () => [])));
    expect(EnqueueUncertain.isInstance(stalled.error)).toBe(true);
    // The link comes back with its stuck connections reset, so anything still trying to publish gets through.
    proxy.resume();
    proxy.drop();
    await send.send();
    // The stalled bytes were discarded and the rejected batch is not sent again: the queue holds the two confirmed sends only.
    await eventually(async () => (await broker.queueStats(queueName)).ready === 2, "both confirmed sends are on the queue");
    await new Promise((resolve) => setTimeout(resolve, 2 * PUBLISH_TIMEOUT));
    expect((await broker.queueStats(queueName)).ready).toBe(2);
    expect(unhandled).toEqual([]);
  }, 60_000);
});
