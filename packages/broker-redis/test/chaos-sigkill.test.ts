import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { actor, currentMessage, type Message, Worker } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterEach, expect, it } from "vitest";
import { PrivateRedis } from "../../../test-support/private-redis.js";
import { RedisBroker } from "../src/index.js";
import { capturingLogger, Ledger, since, watchUnhandledRejections } from "./chaos-support.js";
import { quietLogger, uniqueNamespace } from "./helpers.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

const MESSAGES = 1_500;
const STARTS_KEY = "chaos:child-starts";

it(`recovers a SIGKILLed worker process mid-run (${MESSAGES} messages, some delayed): duplicates are exactly the runs it had not acked`, {
  timeout: 120_000,
}, async () => {
  const rejections = watchUnhandledRejections();
  const redis = await PrivateRedis.start();
  const admin = new Redis(redis.url);
  const namespace = uniqueNamespace("sigkill");
  const queueName = "sigkill";
  const producer = new RedisBroker({ url: redis.url, namespace, logger: quietLogger });
  const lines: string[] = [];
  const survivor = new RedisBroker({
    url: redis.url,
    namespace,
    heartbeatTimeout: 2_000,
    maintenanceInterval: 500,
    logger: capturingLogger(lines),
  });
  let child: ChildProcess | undefined;
  let worker: Worker | undefined;
  cleanup.push(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await worker?.stop({ timeout: 5_000 });
    await survivor.close();
    await producer.close();
    admin.disconnect();
    await redis.close();
  });
  const ledger = new Ledger();
  const work = actor("work", (_n: number) => {}, { broker: producer, queueName });
  const produced = (async () => {
    for (let batch = 0; batch * 50 < MESSAGES; batch++) {
      const messages: Message[] = Array.from({ length: 50 }, (_, i) => work.message(batch * 50 + i));
      const delay = batch % 5 === 4 ? 500 + ((batch * 211) % 2_500) : undefined;
      await ledger.send(producer, messages, { delay });
      await sleep(20);
    }
  })();

  child = spawn(
    process.execPath,
    ["--import", "tsx", "--import", fixture("hooks.mjs"), fixture("chaos-worker.ts"), redis.url, namespace, queueName, STARTS_KEY],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = once(child, "exit");
  const [line] = (await Promise.race([
    once(child.stdout!, "data"),
    exited.then(([code]) => {
      throw new Error(`the worker child exited early with code ${code}`);
    }),
  ])) as [Buffer];
  const childId = line.toString().trim();
  await eventually(async () => (await admin.hlen(STARTS_KEY)) >= 300, "the child has started 300 runs", 60_000);
  child.kill("SIGKILL");
  await exited;
  const killed = performance.now();
  // What the child held unacked when it died, and which of those it had started.
  const heldByChild = await admin.smembers(`${namespace}:__acks__.${childId}.${queueName}`);
  const heldDelayed = await admin.scard(`${namespace}:__acks__.${childId}.${queueName}.DQ`);
  const childStarts = await admin.hgetall(STARTS_KEY);
  const heldPayloads = heldByChild.length ? await admin.hmget(`${namespace}:${queueName}.msgs`, ...heldByChild) : [];
  const heldIds = heldPayloads.map((raw) => JSON.parse(raw as string).message_id as string);
  const expectedDuplicates = heldIds.filter((id) => childStarts[id] !== undefined).sort();

  const survivorStarts = new Map<string, number>();
  actor(
    "work",
    () => {
      const id = currentMessage().message.messageId;
      survivorStarts.set(id, (survivorStarts.get(id) ?? 0) + 1);
    },
    { broker: survivor, queueName },
  );
  worker = new Worker(survivor, { concurrency: 20, queues: [queueName], workerTimeout: 100 });
  await worker.start();
  await eventually(() => heldIds.every((id) => survivorStarts.has(id)), "every message the child held ran again", 30_000);
  const recovery = since(killed);
  await produced;
  await eventually(
    () => [...ledger.acknowledged].every((id) => survivorStarts.has(id) || childStarts[id] !== undefined),
    "every message ran",
    60_000,
  );
  await survivor.join(queueName, { timeout: 30_000 });
  await worker.stop();

  const runs = (id: string) => (survivorStarts.get(id) ?? 0) + Number(childStarts[id] ?? 0);
  const sent = [...ledger.acknowledged];
  const lost = sent.filter((id) => runs(id) === 0).length;
  const duplicates = sent.filter((id) => runs(id) > 1).sort();
  console.log(
    `sigkill: ${sent.length} sent, child started ${Object.keys(childStarts).length} and held ${heldByChild.length} ` +
      `(+${heldDelayed} delayed) unacked, ${expectedDuplicates.length} of them started; ${lost} lost, ${duplicates.length} ` +
      `duplicate run(s); every held message ran again ${recovery} ms after the kill`,
  );
  expect(sent).toHaveLength(MESSAGES);
  expect(lost).toBe(0);
  expect(duplicates).toEqual(expectedDuplicates);
  expect(sent.every((id) => runs(id) <= 2)).toBe(true);
  expect(rejections.stop()).toEqual([]);
  expect(lines.some((text) => /requeued \d+ message\(s\) of dead workers/.test(text))).toBe(true);
});
