import { afterEach, describe, expect, it } from "vitest";
import {
  actor,
  type Broker,
  MemoryBroker,
  MemoryTransport,
  Message,
  type Middleware,
  NotSupported,
  QueueJoinTimeout,
  type Transport,
  TransportBroker,
  type TransportDelivery,
  Worker,
} from "../src/index.js";
import { ProbeTransport, recordingLogger, sleep } from "./probe-transport.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function startWorker(broker: Broker, options: { queues?: string[] } = {}): Promise<Worker> {
  const worker = new Worker(broker, { concurrency: 2, workerTimeout: 50, ...options });
  await worker.start();
  closers.push(() => worker.stop());
  return worker;
}

function brokerOn<B extends Broker>(broker: B): B {
  closers.push(() => broker.close());
  return broker;
}

/** Middleware that notes every enqueue hook, by message_id. */
function enqueueHooks(): Middleware & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    beforeEnqueue: (_broker, message) => void seen.push(`before ${message.messageId}`),
    afterEnqueue: (_broker, message) => void seen.push(`after ${message.messageId}`),
  };
}

describe("TransportBroker", () => {
  it("lists dead letters by message_id with their reason, and requeues them through enqueue (hooks fire)", async () => {
    const broker = brokerOn(new MemoryBroker({ logger: recordingLogger() }));
    const fails = actor(
      "fails",
      () => {
        throw new TypeError("boom");
      },
      { broker, maxRetries: 0 },
    );
    const sent = await fails.send();
    const worker = await startWorker(broker);
    await broker.join(fails.queueName, { failFast: false, timeout: 5_000 });
    await worker.stop();

    const [letter, ...rest] = await broker.listDeadLetters(fails.queueName);
    expect(rest).toEqual([]);
    expect(letter).toMatchObject({ id: sent.messageId, reason: "TypeError: boom" });
    expect(letter.message?.messageId).toBe(sent.messageId);
    expect(letter.raw).toContain('"actor_name":"fails"');
    expect(typeof letter.deadAt).toBe("number");

    const hooks = enqueueHooks();
    broker.addMiddleware(hooks);
    expect(await broker.requeueDeadLetters(fails.queueName)).toBe(1);
    expect(hooks.seen).toEqual([`before ${sent.messageId}`, `after ${sent.messageId}`]);
    expect(await broker.listDeadLetters(fails.queueName)).toEqual([]);
    expect(await broker.queueStats(fails.queueName)).toMatchObject({ ready: 1, deadLetters: 0 });
  });

  it("names an undecodable dead letter by the transport's id, and leaves it where it is on requeue", async () => {
    const broker = brokerOn(new MemoryBroker({ logger: recordingLogger() }));
    actor("anything", () => {}, { broker, queueName: "raw" });
    broker.enqueueRaw("raw", "this is no message");
    await startWorker(broker);
    await broker.join("raw", { failFast: false, timeout: 5_000 });
    const [letter] = await broker.listDeadLetters("raw");
    expect(letter.message).toBeUndefined();
    expect(letter.id).not.toBe("");
    expect(letter.raw).toBe("this is no message");
    expect(letter.reason).toMatch(/JSON|decode|Unexpected/i);
    expect(await broker.requeueDeadLetters("raw")).toBe(0);
    expect((await broker.listDeadLetters("raw")).map((l) => l.id)).toEqual([letter.id]);
  });

  it("join fails fast on a MemoryBroker by default, with the actor's own error", async () => {
    const broker = brokerOn(new MemoryBroker({ logger: recordingLogger() }));
    const fails = actor(
      "fails_fast",
      () => {
        throw new RangeError("out of range");
      },
      { broker, maxRetries: 0 },
    );
    await fails.send();
    await startWorker(broker);
    await expect(broker.join(fails.queueName, { timeout: 5_000 })).rejects.toThrow(RangeError);
  });

  it("join waits through dead letters on other transports unless failFast is asked for, and times out", async () => {
    const broker = brokerOn(new TransportBroker(new ProbeTransport(), { logger: recordingLogger() }));
    const fails = actor(
      "fails_slowly",
      () => {
        throw new Error("nope");
      },
      { broker, maxRetries: 0 },
    );
    await fails.send();
    await expect(broker.join(fails.queueName, { timeout: 50 })).rejects.toBeInstanceOf(QueueJoinTimeout);
    const worker = await startWorker(broker);
    await broker.join(fails.queueName, { timeout: 5_000 });
    expect((await broker.queueStats(fails.queueName)).deadLetters).toBe(1);
    await worker.stop();
    await fails.send();
    const joined = broker.join(fails.queueName, { timeout: 5_000, failFast: true });
    await startWorker(broker);
    await expect(joined).rejects.toThrow("nope");
  });

  it("join counts what consumers of another broker in this process hold on the same store (storeId)", async () => {
    const inner = new MemoryTransport();
    const probe = (storeId?: string) => new ProbeTransport({ inner, storeId, countsInFlight: false });
    const producer = brokerOn(new TransportBroker(probe("store-1")));
    const consuming = brokerOn(new TransportBroker(probe("store-1")));
    const elsewhere = brokerOn(new TransportBroker(probe()));
    await producer.enqueue(new Message({ queueName: "shared", actorName: "job", args: [] }));
    const consumer = consuming.consume("shared", { prefetch: 10, timeout: 5_000 });
    const batches = consumer[Symbol.asyncIterator]();
    const [held] = (await batches.next()).value as TransportDelivery[];

    // RabbitMQ-like stats do not count in-flight messages: only the shared held count shows this one.
    await expect(producer.join("shared", { timeout: 100 })).rejects.toBeInstanceOf(QueueJoinTimeout);
    await elsewhere.join("shared", { timeout: 1_000 });
    const joined = producer.join("shared", { timeout: 5_000 });
    await sleep(20);
    consumer.ack(held);
    await joined;
  });

  it("moves a due delayed message in one publish that replaces its delay copy, where the transport can", async () => {
    const probe = new ProbeTransport();
    const broker = brokerOn(new TransportBroker(probe, { logger: recordingLogger() }));
    const ran: number[] = [];
    const later = actor("later", (n: number) => void ran.push(n), { broker });
    await later.sendWithOptions({ args: [1], delay: 30 });
    await startWorker(broker);
    await broker.join(later.queueName, { timeout: 5_000 });
    expect(ran).toEqual([1]);
    const moves = probe.published.flat().filter((m) => m.queueName === later.queueName);
    expect(moves).toHaveLength(1);
    expect(moves[0].replaces).toBeDefined();
    expect(moves[0].eta).toBeUndefined();
    expect(await broker.queueStats(later.queueName)).toMatchObject({ ready: 0, delayed: 0, inFlight: 0 });
  });

  it("without atomicMove, publishes the due copy and then acks the delay copy", async () => {
    const probe = new ProbeTransport({ capabilities: { atomicMove: false } });
    const broker = brokerOn(new TransportBroker(probe, { logger: recordingLogger() }));
    const ran: number[] = [];
    const later = actor("later_plain", (n: number) => void ran.push(n), { broker });
    await later.sendWithOptions({ args: [2], delay: 30 });
    await startWorker(broker);
    await broker.join(later.queueName, { timeout: 5_000 });
    expect(ran).toEqual([2]);
    const moves = probe.published.flat().filter((m) => m.queueName === later.queueName);
    expect(moves.map((m) => m.replaces)).toEqual([undefined]);
    expect(await broker.queueStats(later.queueName)).toMatchObject({ delayed: 0, inFlight: 0 });
  });

  it("declares each queue once, and declares again after a failed declaration", async () => {
    const probe = new ProbeTransport();
    probe.failDeclares = 1;
    const broker = brokerOn(new TransportBroker(probe, { logger: recordingLogger() }));
    const message = () => new Message({ queueName: "declared", actorName: "job", args: [] });
    await expect(broker.enqueue(message())).rejects.toThrow("could not declare");
    await broker.enqueue(message());
    await broker.enqueue(message());
    expect(probe.declared).toEqual(["declared", "declared"]);
  });

  it("refuses a transport of an unknown specification version, and operations its capabilities lack", async () => {
    const future = { ...new MemoryTransport(), specificationVersion: "v9", system: "future" } as unknown as Transport;
    expect(() => new TransportBroker(future)).toThrow(NotSupported);
    const bare = new ProbeTransport({ capabilities: { queueStats: false, deadLetters: false } });
    const broker = brokerOn(new TransportBroker(bare));
    expect(broker.capabilities).toMatchObject({ queueStats: false, deadLetters: false, crashRecovery: "redelivery" });
    await expect(broker.queueStats("q")).rejects.toBeInstanceOf(NotSupported);
    expect(() => broker.join("q")).toThrow(NotSupported);
    await expect(broker.listDeadLetters("q")).rejects.toBeInstanceOf(NotSupported);
  });

  it("rejects unknown options of its own and of join", () => {
    expect(() => new TransportBroker(new ProbeTransport(), { loger: console } as never)).toThrow(/did you mean "logger"/);
    const broker = new TransportBroker(new ProbeTransport());
    expect(() => broker.join("q", { timeOut: 5 } as never)).toThrow(/did you mean "timeout"/);
  });
});
