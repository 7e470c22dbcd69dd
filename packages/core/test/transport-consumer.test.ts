import { afterEach, describe, expect, it } from "vitest";
import { Message, TransportBroker, type TransportDelivery } from "../src/index.js";
import { type ProbeOptions, ProbeTransport, recordingLogger, sleep } from "./probe-transport.js";

type Batch = readonly TransportDelivery[];

const opened: TransportBroker[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((broker) => broker.close()));
});

/** A broker on a probe transport, a queue with `count` messages, and a consumer iterator of it. */
async function setup(options: { count?: number; prefetch?: number; timeout?: number; probe?: ProbeOptions } = {}) {
  const logger = recordingLogger();
  const probe = new ProbeTransport(options.probe);
  const broker = new TransportBroker(probe, { logger });
  opened.push(broker);
  const queueName = "work";
  const send = (n: number) =>
    broker.enqueueMany(Array.from({ length: n }, (_, i) => new Message({ queueName, actorName: "job", args: [i] })));
  if (options.count) await send(options.count);
  const consumer = broker.consume(queueName, { prefetch: options.prefetch ?? 10, timeout: options.timeout ?? 5_000 });
  const batches = consumer[Symbol.asyncIterator]() as AsyncIterator<Batch>;
  const next = async (): Promise<Batch> => (await batches.next()).value as Batch;
  return { logger, probe, broker, consumer, next, send, queueName };
}

describe("the runtime consumer", () => {
  it("yields an empty batch on each idle tick, fetching an idle queue once per tick when the transport has wake-ups", async () => {
    const { next, probe } = await setup({ timeout: 40 });
    const started = Date.now();
    for (let tick = 0; tick < 3; tick++) expect(await next()).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    // The first look, then one per tick: no polling in between.
    expect(probe.fetches().length).toBeLessThanOrEqual(4);
  });

  it("fetches at once when a wake-up arrives after idle, without waiting for the tick", async () => {
    const { next, send, probe } = await setup({ timeout: 5_000 });
    const pending = next();
    await sleep(50);
    const sent = Date.now();
    await send(1);
    const batch = await pending;
    expect(batch).toHaveLength(1);
    expect(Date.now() - sent).toBeLessThan(1_000);
    expect(probe.fetches()).toHaveLength(2);
  });

  it("without wake-ups, polls an idle queue with a backoff (no busy polling) and finds a message before the tick", async () => {
    const { next, send, probe } = await setup({ timeout: 2_000, probe: { capabilities: { wakeUps: false } } });
    const pending = next();
    await sleep(350);
    // 10, 20, 40, 80, 160 ms apart: about six looks in 350 ms, where polling every 10 ms would make 35.
    expect(probe.fetches().length).toBeGreaterThanOrEqual(3);
    expect(probe.fetches().length).toBeLessThanOrEqual(8);
    const sent = Date.now();
    await send(1);
    expect(await pending).toHaveLength(1);
    expect(Date.now() - sent).toBeLessThan(1_500);
  });

  it("with pollWithWakeUps, polls an idle queue too (producers that send no wake-up)", async () => {
    const { next, probe } = await setup({ timeout: 2_000, probe: { capabilities: { pollWithWakeUps: true } } });
    void next();
    await sleep(200);
    expect(probe.fetches().length).toBeGreaterThanOrEqual(3);
    expect(probe.fetches().length).toBeLessThanOrEqual(8);
  });

  it("passes acks to the next fetch when settling frees room, with no separate ack call", async () => {
    const { next, probe, consumer } = await setup({ count: 8, prefetch: 4 });
    const first = await next();
    expect(first).toHaveLength(4);
    const pending = next();
    await sleep(5);
    const reader = probe.readers[0];
    expect(reader.fetches).toHaveLength(1);
    // Full, so it waits for room; the acks free it, and the fetch that follows carries them.
    consumer.ack(first[0]);
    consumer.ack(first[1]);
    expect(await pending).toHaveLength(2);
    await sleep(5);
    expect(reader.fetches[1]).toEqual({ max: 2, acks: 2 });
    expect(probe.ackCalls()).toEqual([]);
  });

  it("sends acks no fetch took in one ack call at the end of the turn", async () => {
    const { next, probe, consumer, broker, queueName } = await setup({ count: 3, prefetch: 10 });
    const batch = await next();
    void next();
    await sleep(10);
    const fetchesBefore = probe.fetches().length;
    for (const delivery of batch) consumer.ack(delivery);
    expect(probe.ackCalls()).toEqual([]);
    await sleep(10);
    expect(probe.ackCalls()).toEqual([3]);
    expect(probe.fetches()).toHaveLength(fetchesBefore);
    expect((await broker.queueStats(queueName)).inFlight).toBe(0);
  });

  it("backs off while fetches fail: one warn line for the streak, one info line on recovery", async () => {
    const { next, send, probe, logger } = await setup({ timeout: 5_000 });
    probe.failFetches = 5;
    await send(1);
    const started = Date.now();
    expect(await next()).toHaveLength(1);
    // 10 + 20 + 40 + 80 + 160 ms of backoff between the six attempts.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(probe.fetches()).toHaveLength(6);
    expect(logger.at("warn")).toEqual(["warn fetching from work failed: probe: fetch refused; retrying"]);
    expect(logger.at("info")).toEqual(["info reading work works again"]);
  });

  it("keeps yielding idle ticks while the transport is away, and logs the streak once", async () => {
    const { next, send, probe, logger } = await setup({ timeout: 60 });
    probe.failFetches = Number.MAX_SAFE_INTEGER;
    expect(await next()).toEqual([]);
    expect(await next()).toEqual([]);
    expect(logger.at("warn")).toHaveLength(1);
    probe.failFetches = 0;
    await send(1);
    let batch = await next();
    while (batch.length === 0) batch = await next();
    expect(batch).toHaveLength(1);
    expect(logger.at("warn")).toHaveLength(1);
    expect(logger.at("info")).toHaveLength(1);
  });

  it("turns the deliveries of a dead reader stale, opens a new reader and gets the messages again", async () => {
    const { next, probe, consumer, broker, queueName, logger } = await setup({ count: 2 });
    const first = await next();
    expect(first.map((delivery) => delivery.stale)).toEqual([false, false]);
    probe.readers[0].inner.kill();
    expect(first.map((delivery) => delivery.stale)).toEqual([true, true]);
    const again = await next();
    expect(probe.readers).toHaveLength(2);
    expect(again.map((delivery) => delivery.message?.messageId)).toEqual(first.map((delivery) => delivery.message?.messageId));
    expect(again.every((delivery) => delivery.redelivered && !delivery.stale)).toBe(true);
    expect(logger.at("warn")).toEqual([
      "warn reading work failed: its reader died with 2 message(s) handed out, which come again; retrying",
    ]);
    // A stale copy can no longer be settled: acking it leaves the live copies held.
    for (const delivery of first) consumer.ack(delivery);
    await sleep(10);
    expect((await broker.queueStats(queueName)).inFlight).toBe(2);
    for (const delivery of again) consumer.ack(delivery);
    await sleep(10);
    expect((await broker.queueStats(queueName)).inFlight).toBe(0);
  });

  it("notices a reader dying while it waits idle, through the reader's wake-up", async () => {
    const { next, probe } = await setup({ timeout: 5_000 });
    void next();
    await sleep(20);
    probe.readers[0].inner.kill();
    await sleep(20);
    expect(probe.readers).toHaveLength(2);
  });

  it("retries opening a reader while the transport is unreachable, with one warn line", async () => {
    const { next, send, probe, logger } = await setup({ timeout: 5_000 });
    probe.failOpens = 3;
    await send(1);
    expect(await next()).toHaveLength(1);
    expect(logger.at("warn")).toEqual(["warn opening a reader of work failed: probe: the store is away; retrying"]);
    expect(logger.at("info")).toEqual(["info reading work works again"]);
  });

  it("throws a permanent refusal to open a reader to whoever iterates (the worker reports it)", async () => {
    const { next, probe } = await setup();
    probe.openError = new Error("ACCESS_REFUSED");
    await expect(next()).rejects.toThrow("ACCESS_REFUSED");
  });

  it("on close sends pending acks, returns what it holds to the queue and closes its reader", async () => {
    const { next, consumer, broker, queueName, probe } = await setup({ count: 3 });
    const batch = await next();
    consumer.ack(batch[0]);
    await consumer.close();
    expect(await broker.queueStats(queueName)).toMatchObject({ ready: 2, inFlight: 0 });
    expect(probe.readers[0].alive).toBe(false);
    expect(batch.every((delivery) => delivery.stale)).toBe(true);
  });

  it("keeps a delivery whose nack failed held, so the worker can give it back", async () => {
    const { next, consumer, broker, queueName, probe } = await setup({ count: 1 });
    const [delivery] = await next();
    const reader = probe.readers[0];
    const nack = reader.nack.bind(reader);
    reader.nack = async () => {
      throw new Error("probe: nack refused");
    };
    await expect(consumer.nack(delivery, "boom")).rejects.toThrow("nack refused");
    reader.nack = nack;
    await consumer.requeue([delivery]);
    expect(await broker.queueStats(queueName)).toMatchObject({ ready: 1, inFlight: 0, deadLetters: 0 });
  });
});
