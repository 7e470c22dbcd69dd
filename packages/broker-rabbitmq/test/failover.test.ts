import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { actor, type Broker, brokerFromUrl, ConnectionError, type Logger, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../../test-support/free-port.js";
import { TcpProxy } from "../../../test-support/tcp-proxy.js";
import { RabbitmqBroker } from "../src/index.js";
import { deleteQueues, RABBITMQ_URL } from "./support/amqp.js";

const REAL = new URL(RABBITMQ_URL);
/** The shared RabbitMQ's URL with its credentials, on `port` (a proxy in front of it). */
const through = (port: number) => `amqp://${REAL.username}:${REAL.password}@127.0.0.1:${port}`;
/** `through(port)` as logs show it. */
const redacted = (port: number) => `amqp://${REAL.username}:***@127.0.0.1:${port}`;

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Every line logged, at every level, to check that no password shows in any. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Whether `text` shows one of `passwords` (the shared RabbitMQ's own, as `:password@`: it may equal the user name). */
const showsPassword = (text: string, passwords: readonly string[]) =>
  passwords.some((password) => text.includes(password)) || (REAL.password !== "" && text.includes(`:${REAL.password}@`));

describe("RabbitMQ URL lists (failover)", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  /** A broker on `url` with a recording actor and a worker, cleaned up after the test. */
  async function working(url: string | readonly string[]) {
    const queueName = uniqueQueue("rmq_failover");
    const logger = recordingLogger();
    const broker = new RabbitmqBroker({ url, logger, connectTimeout: 5_000 });
    const seen: number[] = [];
    const record = actor("record", (n: number) => void seen.push(n), { broker, queueName });
    const worker = new Worker(broker, { concurrency: 2, queues: [queueName], workerTimeout: 100 });
    cleanup.push(async () => {
      await worker.stop();
      await broker.close();
      await deleteQueues([queueName]);
    });
    await worker.start();
    return { broker, queueName, logger, seen, record };
  }

  it.each([
    ["a ;-separated string", (urls: string[]) => urls.join(";")],
    ["an array", (urls: string[]) => urls],
  ])(
    "given as %s: the first URL a closed port, it connects through the second and works, never showing the first's password",
    async (_, form) => {
      const closed = await freePort();
      const first = `amqp://bob:s3cret@127.0.0.1:${closed}`;
      const { broker, queueName, logger, seen, record } = await working(form([first, RABBITMQ_URL]));
      await record.send(1);
      await broker.join(queueName, { timeout: 10_000 });
      expect(seen).toEqual([1]);
      for (const role of ["producer", "consumer"]) {
        expect(logger.lines).toContainEqual(
          expect.stringMatching(
            new RegExp(
              `^info RabbitMQ ${role} connection established to .*, failing over from amqp://bob:\\*\\*\\*@127\\.0\\.0\\.1:${closed} \\(.*ECONNREFUSED`,
            ),
          ),
        );
      }
      expect(logger.lines.filter((line) => showsPassword(line, ["s3cret"]))).toEqual([]);
    },
  );

  it("a first URL that swallows packets leaves the next its share of connectTimeout", async () => {
    const port = Number(REAL.port || 5672);
    const silent = await TcpProxy.start({ port });
    cleanup.push(() => silent.close());
    silent.stall();
    const logger = recordingLogger();
    const broker = new RabbitmqBroker({ url: [through(silent.port), RABBITMQ_URL], logger, connectTimeout: 2_000 });
    const queueName = uniqueQueue("rmq_failover");
    cleanup.push(async () => {
      await broker.close();
      await deleteQueues([queueName]);
    });
    const started = performance.now();
    expect(await broker.queueStats(queueName)).toMatchObject({ ready: 0 });
    // Half of connectTimeout on the silent node, then the second URL.
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(logger.lines).toContainEqual(expect.stringContaining(`failing over from ${redacted(silent.port)} (connect ETIMEDOUT)`));
  });

  it("a list of closed ports only fails with a ConnectionError naming each URL, with every password hidden", async () => {
    const [a, b] = [await freePort(), await freePort()];
    const logger = recordingLogger();
    const broker = new RabbitmqBroker({
      url: `amqp://bob:s3cret@127.0.0.1:${a};amqp://al:t0psecret@127.0.0.1:${b}`,
      logger,
      connectTimeout: 500,
    });
    cleanup.push(() => broker.close());
    const send = actor("nowhere", () => {}, { broker, queueName: uniqueQueue("rmq_failover") });
    const error = await send.send().catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^could not connect to RabbitMQ within 500 ms at any of its 2 URLs: amqp://bob:\\*\\*\\*@127\\.0\\.0\\.1:${a} \\(.*ECONNREFUSED.*\\); ` +
          `amqp://al:\\*\\*\\*@127\\.0\\.0\\.1:${b} \\(.*ECONNREFUSED.*\\)$`,
      ),
    );
    // Nowhere: not in the message, the cause, the stack or any log line.
    expect(showsPassword(inspect(error, { depth: 10 }), ["s3cret", "t0psecret"])).toBe(false);
    expect(logger.lines.filter((line) => showsPassword(line, ["s3cret", "t0psecret"]))).toEqual([]);
  });

  it("when the connections through one URL are lost, both come back through the next, round robin", async () => {
    const port = Number(REAL.port || 5672);
    const [a, b] = [await TcpProxy.start({ port }), await TcpProxy.start({ port })];
    cleanup.push(async () => {
      await a.close();
      await b.close();
    });
    const { broker, queueName, logger, seen, record } = await working([through(a.port), through(b.port)]);
    await record.send(1);
    await eventually(() => seen.includes(1), "the first message ran");
    // Settled before the cut, so that its ack is not lost with the connection (which would run it again).
    await broker.join(queueName, { timeout: 10_000 });
    expect([a.connections, b.connections]).toEqual([2, 0]);

    // A node goes away: its connections reset, new ones refused.
    a.refuse();
    a.drop();
    await record.send(2);
    await eventually(() => seen.includes(2), "a message sent after the loss ran");
    await eventually(() => b.connections === 2, "the consumer came back through the second URL too");
    await broker.join(queueName, { timeout: 10_000 });
    for (const role of ["producer", "consumer"]) {
      expect(logger.lines).toContainEqual(expect.stringContaining(`warn RabbitMQ ${role} connection to ${redacted(a.port)} lost (`));
      // Round robin: the next URL is tried first, not the lost one again (no "failing over from" it).
      expect(logger.lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^info RabbitMQ ${role} connection re-established to ${escaped(redacted(b.port))} after \\d+ ms$`),
        ),
      );
    }

    // And the other one: from the last URL, the next is the first again.
    a.refuse(false);
    b.refuse();
    b.drop();
    await record.send(3);
    await eventually(() => seen.includes(3), "a message sent after the second loss ran");
    await eventually(() => a.connections === 2, "both connections came back through the first URL");
    await broker.join(queueName, { timeout: 10_000 });
    expect(seen).toEqual([1, 2, 3]);
    expect(logger.lines.filter((line) => showsPassword(line, []))).toEqual([]);
  });

  it("brokerFromUrl (and so TROUPE_BROKER_URL) takes a ;-separated list as a RabbitmqBroker failing over", async () => {
    const closed = await freePort();
    const logger = recordingLogger();
    const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
    const list = `amqp://bob:s3cret@127.0.0.1:${closed};${RABBITMQ_URL}`;
    const broker: Broker = await brokerFromUrl(list, { logger, connectTimeout: 5_000 }, { searchFrom: [packageDir] });
    const queueName = uniqueQueue("rmq_failover");
    cleanup.push(async () => {
      await broker.close();
      await deleteQueues([queueName]);
    });
    expect(broker.constructor.name).toBe("RabbitmqBroker");
    expect((broker as unknown as { urls: string[] }).urls).toEqual([`amqp://bob:s3cret@127.0.0.1:${closed}`, RABBITMQ_URL]);
    expect(await broker.queueStats(queueName)).toMatchObject({ ready: 0, delayed: 0, deadLetters: 0 });
    expect(logger.lines.some((line) => line.includes(`failing over from amqp://bob:***@127.0.0.1:${closed}`))).toBe(true);
    expect(logger.lines.filter((line) => showsPassword(line, ["s3cret"]))).toEqual([]);
  });
});
