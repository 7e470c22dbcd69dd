import { actor, ConnectionError, currentMessage, Worker } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterEach, expect, it } from "vitest";
import { RedisBroker } from "../src/index.js";
import { deleteNamespace, REDIS_URL, uniqueNamespace } from "./helpers.js";

const admin = new Redis(REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

/** Kills only this test's connections (found by name), never a teammate's. */
async function killConnections(name: string): Promise<number> {
  const list = (await admin.client("LIST")) as string;
  const ids = list
    .split("\n")
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /id=(\d+)/.exec(line)?.[1]);
  for (const id of ids) if (id) await admin.client("KILL", "ID", id);
  return ids.length;
}

it("loses nothing when its connections are killed (CLIENT KILL ID) during a run", { timeout: 60_000 }, async () => {
  const namespace = uniqueNamespace("kill");
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, warn: (text: string) => void warnings.push(text), error() {} };
  // A borrowed client, so the connections carry a name this test can find; duplicates inherit it.
  const client = new Redis(REDIS_URL, { connectionName: namespace, maxRetriesPerRequest: null, enableAutoPipelining: true });
  const broker = new RedisBroker({ client, namespace, logger, heartbeatTimeout: 5_000, maintenanceInterval: 1_000 });
  const producer = new RedisBroker({ url: REDIS_URL, namespace, logger });
  cleanup.push(async () => {
    await broker.close();
    await producer.close();
    client.disconnect();
    await deleteNamespace(admin, namespace);
  });
  const runs = new Map<string, number>();
  actor(
    "work",
    async (_i: number) => {
      await sleep(1);
      const id = currentMessage().message.messageId;
      runs.set(id, (runs.get(id) ?? 0) + 1);
    },
    { broker, queueName: "kill" },
  );
  actor("work", (_i: number) => {}, { broker: producer, queueName: "kill" });
  const worker = new Worker(broker, { concurrency: 20, queues: ["kill"] });
  await worker.start();

  const sent: string[] = [];
  const producing = (async () => {
    for (let batch = 0; batch < 30; batch++) {
      const messages = await producer.getActor("work").sendMany(Array.from({ length: 100 }, (_, i) => [batch * 100 + i]));
      sent.push(...messages.map((m) => m.messageId));
      await sleep(20);
    }
  })();
  let kills = 0;
  for (let round = 0; round < 3; round++) {
    await eventually(() => runs.size > (round + 1) * 400, "the worker makes progress", 20_000);
    kills += await killConnections(namespace);
  }
  await producing;
  await eventually(() => runs.size === sent.length, "every message ran", 30_000);
  await broker.join("kill", { timeout: 15_000 });
  await worker.stop();
  const total = [...runs.values()].reduce((sum, n) => sum + n, 0);
  console.log(`connection kills: ${kills} connections killed, ${runs.size} messages, ${total - runs.size} duplicate run(s)`);
  expect(kills).toBeGreaterThanOrEqual(3);
  expect([...runs.keys()].sort()).toEqual([...sent].sort());
  expect(warnings.some((w) => /lost the connection/.test(w))).toBe(true);
});

it("fails a producer with ConnectionError when Redis is unreachable, within connectTimeout", async () => {
  const broker = new RedisBroker({
    url: "redis://127.0.0.1:1",
    connectTimeout: 300,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  cleanup.push(() => broker.close());
  const noop = actor("noop", () => {}, { broker, queueName: "unreachable" });
  const error = await noop.send().catch((e: unknown) => e);
  expect(ConnectionError.isInstance(error)).toBe(true);
  expect((error as ConnectionError).code).toBe("CONNECTION_ERROR");
  expect(String((error as Error).message)).toMatch(/within 300 ms/);
});
