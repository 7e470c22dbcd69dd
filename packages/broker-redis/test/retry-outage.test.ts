import { actor, currentMessage, type Logger, Worker } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { afterEach, expect, it } from "vitest";
import { PrivateRedis } from "../../../test-support/private-redis.js";
import { RedisBroker } from "../src/index.js";
import { uniqueNamespace } from "./helpers.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

function capturingLogger(lines: string[]): Logger {
  const keep = (text: string) => void lines.push(text);
  return { debug() {}, info: keep, warn: keep, error: keep };
}

const MESSAGES = 600;
const DOOMED_EVERY = 10;
const CONNECT_TIMEOUT = 2_000;
const OUTAGE = 8_000;

it(`loses none of ${MESSAGES} failing messages whose retries and dead letters meet an ${OUTAGE / 1000} s outage (connectTimeout ${CONNECT_TIMEOUT / 1000} s)`, {
  timeout: 120_000,
}, async () => {
  // A private redis-server with AOF fsynced on every write: SIGKILL loses nothing Redis has acknowledged.
  const redis = await PrivateRedis.start({ appendonly: true });
  const lines: string[] = [];
  const broker = new RedisBroker({
    url: redis.url,
    namespace: uniqueNamespace("outage"),
    connectTimeout: CONNECT_TIMEOUT,
    logger: capturingLogger(lines),
  });
  cleanup.push(async () => {
    await broker.close();
    await redis.close();
  });
  const queueName = "outage";
  const attempts = new Map<number, number>();
  const succeeded = new Map<number, number>();
  const note = (n: number) => attempts.set(n, (attempts.get(n) ?? 0) + 1);
  // Every first attempt fails; a retry succeeds. Every tenth message may not retry: it must reach the dead letters.
  const flaky = actor(
    "flaky",
    async (n: number) => {
      note(n);
      await sleep(5);
      if (currentMessage().message.options.retries === undefined) throw new Error(`first attempt of ${n} fails`);
      succeeded.set(n, (succeeded.get(n) ?? 0) + 1);
    },
    { broker, queueName, maxRetries: 5, minBackoff: 20, maxBackoff: 200 },
  );
  const doomed = actor(
    "doomed",
    async (n: number) => {
      note(n);
      await sleep(5);
      throw new Error(`${n} always fails`);
    },
    { broker, queueName, maxRetries: 0 },
  );
  const numbers = Array.from({ length: MESSAGES }, (_, n) => n);
  await flaky.sendMany(numbers.filter((n) => n % DOOMED_EVERY !== 0).map((n) => [n] as [number]));
  await doomed.sendMany(numbers.filter((n) => n % DOOMED_EVERY === 0).map((n) => [n] as [number]));

  const worker = new Worker(broker, { concurrency: 8, queues: [queueName], workerTimeout: 200 });
  cleanup.unshift(() => worker.stop({ timeout: 5_000 }));
  await worker.start();
  await eventually(() => attempts.size >= MESSAGES / 6, "a sixth of the messages ran once");
  await redis.kill();
  await sleep(OUTAGE);
  await redis.restart();
  await broker.join(queueName, { timeout: 60_000 });
  await worker.stop();

  const dead = await broker.listDeadLetters(queueName, { limit: MESSAGES });
  const deadNumbers = new Set(dead.map((letter) => letter.message?.args[0] as number));
  const lost = numbers.filter((n) => !succeeded.has(n) && !deadNumbers.has(n));
  const reran = [...attempts].filter(([n, count]) => count > (n % DOOMED_EVERY === 0 ? 1 : 2)).length;
  const successorFaults = lines.filter((line) => /is not acked: it goes back to/.test(line));
  console.log(
    `retry outage: ${lost.length} lost, ${successorFaults.length} message(s) not acked while Redis was away, ${reran} reran, ` +
      `${dead.length} dead letters, ${[...succeeded.values()].filter((count) => count > 1).length} succeeded twice`,
  );
  expect(successorFaults.length).toBeGreaterThan(0);
  expect(lost).toEqual([]);
  expect([...deadNumbers].sort((a, b) => a - b)).toEqual(numbers.filter((n) => n % DOOMED_EVERY === 0));
  expect(succeeded.size).toBe(MESSAGES - MESSAGES / DOOMED_EVERY);
});
