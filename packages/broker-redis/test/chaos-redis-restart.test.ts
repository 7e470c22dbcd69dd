import { actor, currentMessage, type Message, Worker } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { afterEach, expect, it } from "vitest";
import { PrivateRedis } from "../../../test-support/private-redis.js";
import { RedisBroker } from "../src/index.js";
import { capturingLogger, Ledger, watchUnhandledRejections } from "./chaos-support.js";
import { uniqueNamespace } from "./helpers.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

const CONNECT_TIMEOUT = 1_000;
const RESTARTS = 2;
const DOWN = 2_000;

it(`loses nothing and runs nothing twice when Redis (AOF) is killed and restarted ${RESTARTS} times mid-run`, {
  timeout: 120_000,
}, async () => {
  const rejections = watchUnhandledRejections();
  // appendfsync always: whatever Redis answered is on disk when it is killed.
  const redis = await PrivateRedis.start({ appendonly: true });
  const namespace = uniqueNamespace("restart");
  const lines: string[] = [];
  const options = { url: redis.url, namespace, connectTimeout: CONNECT_TIMEOUT, logger: capturingLogger(lines) };
  const producer = new RedisBroker(options);
  const consuming = new RedisBroker(options);
  let worker: Worker | undefined;
  cleanup.push(async () => {
    await worker?.stop({ timeout: 5_000 });
    await consuming.close();
    await producer.close();
    await redis.close();
  });
  const queueName = "restart";
  const ledger = new Ledger();
  const probesRan = new Map<string, number>();
  actor(
    "work",
    async (_n: number) => {
      ledger.ran(currentMessage().message.messageId);
      await sleep(2);
    },
    { broker: consuming, queueName },
  );
  actor(
    "probe",
    () => {
      const id = currentMessage().message.messageId;
      ledger.ran(id);
      probesRan.set(id, performance.now());
    },
    { broker: consuming, queueName },
  );
  const work = actor("work", (_n: number) => {}, { broker: producer, queueName });
  const probe = actor("probe", () => {}, { broker: producer, queueName });
  worker = new Worker(consuming, { concurrency: 10, queues: [queueName], workerTimeout: 100 });
  await worker.start();

  let producing = true;
  let sent = 0;
  const lane = async (lane: number) => {
    for (let batch = 0; producing; batch++) {
      const messages: Message[] = Array.from({ length: 5 }, () => work.message(sent++));
      const delay = batch % 8 === lane ? 300 + ((batch * 137) % 1_700) : undefined;
      await ledger.send(producer, messages, { delay });
      await sleep(10);
    }
  };
  const lanes = [lane(0), lane(1)];

  const recoveries: number[] = [];
  for (let restart = 0; restart < RESTARTS; restart++) {
    await sleep(2_000);
    await redis.kill();
    await sleep(DOWN);
    await redis.restart();
    const back = performance.now();
    // Recovery: a message sent once Redis is back has run.
    let recovered = false;
    for (let attempt = 0; attempt < 400 && !recovered; attempt++) {
      const message = probe.message();
      if (await ledger.send(producer, [message])) {
        await eventually(() => probesRan.has(message.messageId), "the probe ran", 30_000);
        recoveries.push(Math.round((probesRan.get(message.messageId) as number) - back));
        recovered = true;
      } else await sleep(50);
    }
    expect(recovered).toBe(true);
  }
  await sleep(1_000);
  producing = false;
  await Promise.all(lanes);

  await eventually(() => ledger.settled, "every acknowledged message ran", 60_000);
  await consuming.join(queueName, { timeout: 60_000 });
  await worker.stop();
  const summary = ledger.summary();
  console.log(
    `redis restarts: ${RESTARTS} kills of ${DOWN} ms; ${JSON.stringify(summary)}; recovery ${recoveries.join(", ")} ms after restart`,
  );
  expect(summary.acknowledged).toBeGreaterThan(0);
  expect(summary.lost).toBe(0);
  expect(summary.duplicated).toBe(0);
  expect(summary.refusedButRan).toBe(0);
  expect(rejections.stop()).toEqual([]);
  expect(lines.filter((line) => /lost the connection to .*; reconnecting/.test(line)).length).toBeGreaterThanOrEqual(RESTARTS);
  expect(lines.filter((line) => /reconnected to /.test(line)).length).toBeGreaterThanOrEqual(RESTARTS);
});
