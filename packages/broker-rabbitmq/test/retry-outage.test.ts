import {
  actor,
  type Broker,
  currentMessage,
  deadLetterQueueName,
  delayQueueName,
  type Logger,
  type Message,
  type Middleware,
  Worker,
} from "@troupe/core";
import { eventually, sleep, uniqueQueue } from "@troupe/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrivateRabbitmq } from "../../../test-support/private-rabbitmq.js";
import { TcpProxy } from "../../../test-support/tcp-proxy.js";
import { RabbitmqBroker } from "../src/index.js";
import { withRawChannel } from "./support/amqp.js";
import { HeldAcrossTheCut } from "./support/held-across-the-cut.js";

const MESSAGES = 600;
const DOOMED_EVERY = 10;
const CONNECT_TIMEOUT = 2_000;
const OUTAGE = 8_000;
/** An ack written this long before the connection died may not have reached RabbitMQ, which then delivers that message again. */
const SLACK = 1_000;
/** Names the broker's connections on the node, so a test can cut one of them. */
const CONNECTION_NAME = "retry-outage";
/** Failing attempts kept in hand across the cut (of concurrency 8, so other messages run through it too). */
const IN_HAND = 4;
/** The log line of the producer connection's loss: from then on, a retry cannot be written until the fault ends. */
const PRODUCER_LOST = /^RabbitMQ producer connection .* lost/;

/** Flaky message `n` fails this many times before a retry succeeds. */
const failuresOf = (n: number) => 1 + (n % 3);
const isDoomed = (n: number) => n % DOOMED_EVERY === 0;

/** Log lines with the time they were written, so the outage can be placed on the timeline. */
function timedLogger(lines: { at: number; text: string }[]): Logger {
  const keep = (text: string) => void lines.push({ at: Date.now(), text });
  return { debug() {}, info: keep, warn: keep, error: keep };
}

/**
 * When the worker had each message (by id) in hand: from the start of a run to its
 * ack or nack, from the start of an enqueue (a retry, a delayed message's move) to
 * its confirm. An interval that never closed (the message was given back, the write
 * failed) lasts forever.
 */
class Custody implements Middleware {
  readonly intervals = new Map<string, { from: number; to: number }[]>();
  /** When each retry (or delayed retry's move) was confirmed. */
  readonly retriesWritten: number[] = [];
  private readonly open = new WeakMap<Message, { from: number; to: number }>();

  private begin(message: Message): void {
    const interval = { from: Date.now(), to: Number.POSITIVE_INFINITY };
    this.open.set(message, interval);
    const list = this.intervals.get(message.messageId);
    if (list) list.push(interval);
    else this.intervals.set(message.messageId, [interval]);
  }

  private end(message: Message): void {
    const interval = this.open.get(message);
    if (interval) interval.to = Date.now();
  }

  beforeProcessMessage(_: Broker, message: Message): void {
    this.begin(message);
  }
  afterAck(_: Broker, message: Message): void {
    this.end(message);
  }
  afterNack(_: Broker, message: Message): void {
    this.end(message);
  }
  beforeEnqueue(_: Broker, message: Message): void {
    this.begin(message);
  }
  afterEnqueue(_: Broker, message: Message): void {
    this.end(message);
    if (message.options.retries !== undefined) this.retriesWritten.push(Date.now());
  }

  /** Whether the worker had the message in hand at some moment of [from, to]. */
  heldDuring(id: string, from: number, to: number): boolean {
    return (this.intervals.get(id) ?? []).some((interval) => interval.from <= to && interval.to >= from);
  }
}

// A node of this file's own: stopping the machine's shared RabbitMQ would break everyone else's tests.
describe("retries during a RabbitMQ outage longer than connectTimeout", () => {
  let node: PrivateRabbitmq;
  const rejections: unknown[] = [];
  const collect = (reason: unknown) => void rejections.push(reason);
  beforeAll(async () => {
    process.on("unhandledRejection", collect);
    node = await PrivateRabbitmq.start();
  });
  afterAll(async () => {
    process.off("unhandledRejection", collect);
    await node?.close();
  });

  interface Fault {
    /** Brings the fault on once the worker is busy; resolves once it has (the producer connection may not know yet). */
    begin(): Promise<void>;
    /** Ends it, after `OUTAGE` ms. */
    end(): Promise<void>;
    /** The log lines of the connections it cut: until the last of them, the worker may have had a message in hand that comes again. */
    cuts: RegExp;
  }

  /**
   * Sends the failing messages, lets `fault` hit while their retries and dead
   * letters are being written (and while `IN_HAND` failing attempts wait for it, to
   * write their retries during the outage), and accounts for every one of them once
   * the queue drained.
   */
  async function failThrough(fault: Fault, url = node.url) {
    const lines: { at: number; text: string }[] = [];
    const broker = new RabbitmqBroker({
      url,
      connectTimeout: CONNECT_TIMEOUT,
      connectionName: CONNECTION_NAME,
      logger: timedLogger(lines),
    });
    const custody = new Custody();
    broker.addMiddleware(custody);
    const held = new HeldAcrossTheCut(IN_HAND);
    const queueName = uniqueQueue("rmq_retry_outage");
    const worker = new Worker(broker, { concurrency: 8, queues: [queueName], workerTimeout: 200 });
    try {
      const attempts = new Map<string, number>();
      const succeeded = new Map<number, number>();
      const attempt = (n: number) => {
        const retries = Number(currentMessage().message.options.retries ?? 0);
        const key = `${n}:${retries}`;
        attempts.set(key, (attempts.get(key) ?? 0) + 1);
        return retries;
      };
      // Each flaky message fails one to three times, then a retry succeeds; retries come due within 200 ms, so during the fault.
      const flaky = actor(
        "flaky",
        async (n: number) => {
          const retries = attempt(n);
          await sleep(40);
          if (retries < failuresOf(n)) {
            await held.keep(currentMessage().message.messageId);
            throw new Error(`attempt ${retries + 1} of ${n} fails`);
          }
          succeeded.set(n, (succeeded.get(n) ?? 0) + 1);
        },
        { broker, queueName, maxRetries: 5, minBackoff: 20, maxBackoff: 200 },
      );
      // Every tenth message may not retry: it must reach the dead letters.
      const doomed = actor(
        "doomed",
        async (n: number) => {
          attempt(n);
          await sleep(40);
          throw new Error(`${n} always fails`);
        },
        { broker, queueName, maxRetries: 0 },
      );
      const numbers = Array.from({ length: MESSAGES }, (_, n) => n);
      const sent = [
        ...(await flaky.sendMany(numbers.filter((n) => !isDoomed(n)).map((n) => [n] as [number]))),
        ...(await doomed.sendMany(numbers.filter(isDoomed).map((n) => [n] as [number]))),
      ];
      const idOf = new Map(sent.map((message) => [message.args[0] as number, message.messageId]));

      await worker.start();
      await eventually(() => attempts.size >= MESSAGES / 6, "a sixth of the messages ran once", 30_000);
      held.arm();
      await eventually(() => held.full, `${IN_HAND} failing attempts are in hand`, 30_000);
      const started = Date.now();
      await fault.begin();
      await eventually(
        () => lines.some((line) => line.at >= started && PRODUCER_LOST.test(line.text)),
        "the producer connection logged its loss",
        30_000,
      );
      held.open();
      await sleep(OUTAGE);
      await fault.end();
      const over = Date.now();
      await broker.join(queueName, { timeout: 60_000 });
      await worker.stop({ timeout: 10_000 });

      const dead = await broker.listDeadLetters(queueName, { limit: 2 * MESSAGES });
      const deadNumbers = dead.map((letter) => letter.message?.args[0] as number);
      const lost = numbers.filter((n) => (isDoomed(n) ? !deadNumbers.includes(n) : !succeeded.has(n)));
      const wrongEnd = numbers.filter((n) => (isDoomed(n) ? succeeded.has(n) : deadNumbers.includes(n)));
      const cuts = lines.filter((line) => line.at >= started && fault.cuts.test(line.text));
      const from = Math.min(...cuts.map((line) => line.at)) - SLACK;
      const to = Math.max(...cuts.map((line) => line.at));
      // "…; flaky(<id>) is not acked: it goes back to <queue> and runs again"
      const givenBack = new Set(
        lines.flatMap((line) => [...line.text.matchAll(/\(([0-9a-f-]{36})\) is not acked/g)].map((match) => match[1])),
      );
      const reranIds = new Set(
        [...attempts].filter(([, count]) => count > 1).map(([key]) => idOf.get(Number(key.split(":")[0])) as string),
      );
      const reruns = [...attempts.values()].reduce((sum, count) => sum + count - 1, 0);
      const unexplained = [...reranIds].filter((id) => !givenBack.has(id) && !custody.heldDuring(id, from, to));
      const recovery = custody.retriesWritten.find((at) => at >= over);
      const figures = {
        lost: lost.length,
        endedWrong: wrongEnd.length,
        reruns,
        rerunMessages: reranIds.size,
        unexplained: unexplained.length,
        notAcked: givenBack.size,
        heldAcrossTheCut: held.ids.size,
        deadLetters: dead.length,
        outageMs: over - (from + SLACK),
        // From the end of the outage until the next retry was confirmed, and until each connection was back.
        recoveryMs: recovery === undefined ? undefined : recovery - over,
        reconnectedAfterMs: lines.flatMap((line) => /connection re-established .* after (\d+) ms/.exec(line.text)?.[1] ?? []).map(Number),
      };
      // Each retry of a message held across the cut was due while the producer was away.
      const heldNotGivenBack = [...held.ids].filter((id) => !givenBack.has(id));
      return { figures, lines, cuts, lost, wrongEnd, unexplained, heldNotGivenBack, attempts, numbers };
    } finally {
      held.open();
      await worker.stop({ timeout: 10_000 });
      await broker.close();
      await withRawChannel(async (channel) => {
        for (const name of [queueName, delayQueueName(queueName), deadLetterQueueName(queueName)]) await channel.deleteQueue(name);
      }, node.url);
    }
  }

  function expectAccountedFor(outcome: Awaited<ReturnType<typeof failThrough>>) {
    expect(rejections).toEqual([]);
    expect(outcome.figures.notAcked).toBeGreaterThan(0);
    expect(outcome.heldNotGivenBack).toEqual([]);
    expect(outcome.lost).toEqual([]);
    expect(outcome.wrongEnd).toEqual([]);
    expect(outcome.unexplained).toEqual([]);
    // Every level of every message ran: the successful retry came after each of its failures.
    for (const n of outcome.numbers) {
      const levels = isDoomed(n) ? 1 : failuresOf(n) + 1;
      for (let level = 0; level < levels; level++) expect(outcome.attempts.has(`${n}:${level}`), `${n} at retry ${level}`).toBe(true);
    }
  }

  it(`stop_app for ${OUTAGE / 1000} s: none of ${MESSAGES} failing messages is lost; every rerun is one the worker had in hand when the connections died, or logged as not acked; both connections log the loss and the return`, {
    timeout: 120_000,
  }, async () => {
    let stopping = 0;
    const outcome = await failThrough({
      async begin() {
        stopping = Date.now();
        await node.stopApp();
      },
      end: () => node.startApp(),
      cuts: /^RabbitMQ (producer|consumer) connection .* lost/,
    });
    console.log(`stop_app ${OUTAGE / 1000} s: ${JSON.stringify(outcome.figures)}`);
    expectAccountedFor(outcome);
    const since = outcome.lines.filter((line) => line.at >= stopping).map((line) => line.text);
    for (const role of ["producer", "consumer"]) {
      expect(since.filter((line) => line.startsWith(`RabbitMQ ${role} connection`) && line.includes(" lost ("))).toHaveLength(1);
      expect(since.filter((line) => line.startsWith(`RabbitMQ ${role} connection re-established`))).toHaveLength(1);
    }
  });

  it(`the producer connection cut and RabbitMQ refusing new connections for ${OUTAGE / 1000} s while the consumer connection stays up (acks still go through): none of ${MESSAGES} failing messages is acked without its retry`, {
    timeout: 120_000,
  }, async () => {
    const proxy = await TcpProxy.start({ port: node.port });
    try {
      const outcome = await failThrough(
        {
          async begin() {
            proxy.refuse();
            const connections = await node.ctl("list_connections", "--quiet", "--no-table-headers", "pid", "client_properties");
            const producer = connections.split("\n").filter((line) => line.includes(`{"connection_name","${CONNECTION_NAME} producer"}`));
            expect(producer).toHaveLength(1);
            await node.ctl("close_connection", producer[0].split("\t")[0], "cut by a test");
          },
          async end() {
            proxy.refuse(false);
          },
          cuts: PRODUCER_LOST,
        },
        `amqp://guest:guest@127.0.0.1:${proxy.port}`,
      );
      console.log(`producer cut ${OUTAGE / 1000} s: ${JSON.stringify(outcome.figures)}`);
      expectAccountedFor(outcome);
      expect(outcome.cuts).toHaveLength(1);
      expect(outcome.lines.filter((line) => line.text.startsWith("RabbitMQ producer connection re-established"))).toHaveLength(1);
      expect(outcome.lines.filter((line) => line.text.startsWith("RabbitMQ consumer connection"))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
