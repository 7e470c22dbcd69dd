import { actor, currentMessage, type Message, Worker } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { afterEach, expect, it } from "vitest";
import { PrivateRedis } from "../../../test-support/private-redis.js";
import { TcpProxy } from "../../../test-support/tcp-proxy.js";
import { RedisBroker } from "../src/index.js";
import { capturingLogger, Ledger, since, watchUnhandledRejections } from "./chaos-support.js";
import { uniqueNamespace } from "./helpers.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

const CONNECT_TIMEOUT = 1_000;
const DROP_EVERY = 2_000;
const STALL = 10_000;
const LANES = 3;

it("loses nothing and runs nothing twice through connection drops every 2 s and a 10 s stall, producing and consuming", {
  timeout: 150_000,
}, async () => {
  const rejections = watchUnhandledRejections();
  const redis = await PrivateRedis.start();
  const proxy = await TcpProxy.start({ port: redis.port });
  const url = `redis://127.0.0.1:${proxy.port}`;
  const namespace = uniqueNamespace("drops");
  const lines: string[] = [];
  const options = { url, namespace, connectTimeout: CONNECT_TIMEOUT, logger: capturingLogger(lines) };
  const producer = new RedisBroker(options);
  const consuming = new RedisBroker(options);
  let worker: Worker | undefined;
  cleanup.push(async () => {
    proxy.resume();
    await worker?.stop({ timeout: 5_000 });
    await consuming.close();
    await producer.close();
    await proxy.close();
    await redis.close();
  });
  const queueName = "drops";
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
      // One batch in eight is delayed, so delayed messages are held and moved through the faults too.
      const delay = batch % 8 === lane ? 300 + ((batch * 137) % 1_700) : undefined;
      await ledger.send(producer, messages, { delay });
      await sleep(10);
    }
  };
  const lanes = Array.from({ length: LANES }, (_, i) => lane(i));

  /** Ms from the end of a fault until a message sent after it has run. */
  const recoveries: Promise<number>[] = [];
  const measureRecovery = () => {
    const ended = performance.now();
    recoveries.push(
      (async () => {
        for (let attempt = 0; attempt < 400; attempt++) {
          const message = probe.message();
          if (await ledger.send(producer, [message])) {
            await eventually(() => probesRan.has(message.messageId), "the probe ran", 30_000);
            return Math.round((probesRan.get(message.messageId) as number) - ended);
          }
          await sleep(50);
        }
        throw new Error("no send succeeded after the fault");
      })(),
    );
  };

  let drops = 0;
  const drop = async () => {
    await sleep(DROP_EVERY);
    proxy.drop();
    drops++;
    measureRecovery();
  };
  for (let i = 0; i < 3; i++) await drop();
  await sleep(DROP_EVERY);
  proxy.stall();
  const stallStarted = performance.now();
  await sleep(STALL);
  // The proxy discards what it stalls, which a real link never does: a reply lost that way would
  // pair later replies with the wrong commands. So the stall ends as a long black hole does, in a reset.
  proxy.resume();
  proxy.drop();
  const stalled = since(stallStarted);
  measureRecovery();
  for (let i = 0; i < 2; i++) await drop();
  producing = false;
  await Promise.all(lanes);

  const [afterDrops, afterStall] = [await Promise.all(recoveries.filter((_, i) => i !== 3)), await recoveries[3]];
  await eventually(() => ledger.settled, "every acknowledged message ran", 60_000);
  await consuming.join(queueName, { timeout: 60_000 });
  await worker.stop();
  const summary = ledger.summary();
  console.log(
    `drops + stall: ${drops} drops, a ${stalled} ms stall; ${JSON.stringify(summary)}; recovery after a drop ` +
      `${Math.min(...afterDrops)}–${Math.max(...afterDrops)} ms, after the stall ${afterStall} ms`,
  );
  expect(summary.acknowledged).toBeGreaterThan(0);
  expect(summary.lost).toBe(0);
  expect(summary.duplicated).toBe(0);
  expect(summary.refusedButRan).toBe(0);
  expect(rejections.stop()).toEqual([]);
  expect(lines.filter((line) => /lost the connection to .*; reconnecting/.test(line)).length).toBeGreaterThanOrEqual(drops + 1);
  expect(lines.some((line) => /reconnected to /.test(line))).toBe(true);
  expect(lines.some((line) => /presuming the connection dead and reconnecting/.test(line))).toBe(true);
});
