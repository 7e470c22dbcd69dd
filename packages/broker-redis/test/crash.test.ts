import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { actor, currentMessage, Worker } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterEach, expect, it } from "vitest";
import { RedisBroker } from "../src/index.js";
import { deleteNamespace, quietLogger, REDIS_URL, uniqueNamespace } from "./helpers.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const admin = new Redis(REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

it("recovers every message a SIGKILLed worker process held (1 000), counting duplicates", { timeout: 60_000 }, async () => {
  const namespace = uniqueNamespace("crash");
  const queueName = "crash";
  const producer = new RedisBroker({ url: REDIS_URL, namespace, logger: quietLogger });
  cleanup.push(async () => {
    await producer.close();
    await deleteNamespace(admin, namespace);
  });
  const work = actor("work", (_i: number) => {}, { broker: producer, queueName });
  const sent = await work.sendMany(Array.from({ length: 1_000 }, (_, i) => [i] as [number]));

  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "--import", fixture("hooks.mjs"), fixture("crash-worker.ts"), REDIS_URL, namespace, queueName, "1000"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  cleanup.unshift(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`the worker child exited early with code ${code}`);
  });
  const [line] = (await Promise.race([once(child.stdout!, "data"), exited])) as [Buffer];
  const childId = line.toString().trim();
  const childAcks = `${namespace}:__acks__.${childId}.${queueName}`;
  await eventually(async () => (await admin.scard(childAcks)) === 1_000, "the child holds 1 000 messages", 30_000);
  child.kill("SIGKILL");
  await exited.catch(() => {});

  const survivor = new RedisBroker({ url: REDIS_URL, namespace, heartbeatTimeout: 2_000, maintenanceInterval: 500, logger: quietLogger });
  cleanup.unshift(() => survivor.close());
  const runs = new Map<string, number>();
  actor(
    "work",
    () => {
      const id = currentMessage().message.messageId;
      runs.set(id, (runs.get(id) ?? 0) + 1);
    },
    { broker: survivor, queueName },
  );
  const worker = new Worker(survivor, { concurrency: 20, queues: [queueName] });
  await worker.start();
  await eventually(() => runs.size === 1_000, "every held message ran on the survivor", 30_000);
  await survivor.join(queueName, { timeout: 10_000 });
  await worker.stop();

  const total = [...runs.values()].reduce((sum, n) => sum + n, 0);
  console.log(`crash recovery: ${runs.size} distinct messages, ${total - runs.size} duplicate run(s)`);
  expect([...runs.keys()].sort()).toEqual(sent.map((m) => m.messageId).sort());
  expect(await admin.exists(childAcks)).toBe(0);
  expect(await admin.zscore(`${namespace}:__heartbeats__`, childId)).toBeNull();
});
