import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { actor, currentMessage, Worker } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { loadProtocolVector, type MessageVector } from "../../../fixtures/protocol-vectors.js";
import { RedisBroker } from "../src/index.js";
import { deleteNamespace, pythonWithRedis, quietLogger, REDIS_URL, uniqueNamespace, writeRaw } from "./helpers.js";

const PEER = fileURLToPath(new URL("./python/dramatiq_peer.py", import.meta.url));

const admin = new Redis(REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

function open(label: string, options: { heartbeatTimeout?: number } = {}) {
  const namespace = uniqueNamespace(label);
  const brokers: RedisBroker[] = [];
  const make = () => {
    const broker = new RedisBroker({ url: REDIS_URL, namespace, logger: quietLogger, ...options });
    brokers.push(broker);
    return broker;
  };
  cleanup.push(async () => {
    for (const broker of brokers) await broker.close();
    await deleteNamespace(admin, namespace);
  });
  return { namespace, make };
}

/** Every actor name a message mentions, nested messages and callbacks included. */
function actorNames(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) actorNames(item, into);
  else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if ((key === "actor_name" || key.startsWith("on_")) && typeof item === "string") into.add(item);
      else actorNames(item, into);
    }
  }
  return into;
}

describe("Redis protocol", () => {
  it("consumes and runs the messages Dramatiq 2.2 wrote (messages.json), written with raw commands", async () => {
    const { namespace, make } = open("vectors");
    const broker = make();
    const vectors = loadProtocolVector<MessageVector[]>("messages.json");
    const runs = new Map<string, unknown[][]>();
    const names = new Set<string>();
    for (const vector of vectors) actorNames(JSON.parse(vector.raw), names);
    for (const name of names) {
      actor(
        name,
        (...args: unknown[]) => {
          const id = currentMessage().message.messageId;
          runs.set(id, [...(runs.get(id) ?? []), args]);
        },
        { broker, queueName: "vectors_q", kwargs: true },
      );
    }
    const expected: { id: string; args: unknown[] }[] = [];
    const held: { queue: string; redisId: string }[] = [];
    const queues = new Set<string>();
    for (const vector of vectors) {
      // The dead-lettered bytes are a runnable message too: put them on their canonical queue.
      const queue = vector.queue_key.slice("dramatiq:".length, -".msgs".length).replace(/\.XQ$/, "");
      queues.add(queue.replace(/\.DQ$/, ""));
      const data = JSON.parse(vector.raw);
      await writeRaw(admin, namespace, queue, vector.raw, data.options.redis_message_id);
      const maxAge = data.options.max_age as number | undefined;
      if (typeof data.options.eta === "number" && data.options.eta > Date.now() + 5_000) {
        // Not due yet: the worker holds it in its delay-queue ack set.
        held.push({ queue, redisId: data.options.redis_message_id });
      } else if (maxAge === undefined || Date.now() - data.message_timestamp <= maxAge) {
        // (AgeLimit rightly skips a captured message older than its max_age.)
        expected.push({ id: data.message_id, args: [...data.args, data.kwargs] });
      }
    }
    const worker = new Worker(broker, { concurrency: 4, queues: [...queues] });
    await worker.start();
    await eventually(() => expected.every(({ id }) => runs.has(id)), "every due vector ran", 15_000);
    const inAckSet = async ({ queue, redisId }: { queue: string; redisId: string }) =>
      (await admin.sismember(`${namespace}:__acks__.${broker.workerId}.${queue}`, redisId)) === 1;
    await eventually(async () => (await Promise.all(held.map(inAckSet))).every(Boolean), "vectors not yet due are held by the worker");
    await worker.stop();
    for (const { id, args } of expected) expect(runs.get(id)).toContainEqual(args);
  });

  it("writes the key layout of redis-keys.json (plus Troupe's dead-letter reasons): names, types, ack sets, heartbeats, no TTLs", async () => {
    const { namespace, make } = open("layout");
    const producer = make();
    const workerBroker = make();
    let release = () => {};
    const running = new Promise<void>((resolve) => (release = resolve));
    let slowStarted = false;
    for (const broker of [producer, workerBroker]) {
      actor("send_email", (_to: string) => {}, { broker, queueName: "emails" });
      actor("flaky", (_n: number) => Promise.reject(new Error("flaky failed")), {
        broker,
        queueName: "emails",
        maxRetries: 3,
        minBackoff: 3_600_000,
      });
      actor(
        "slow",
        async (_n: number) => {
          slowStarted = true;
          await running;
        },
        { broker, queueName: "emails" },
      );
      actor("report", (_n: number) => {}, { broker, queueName: "reports" });
    }
    const [sendEmail, flaky, slow, report] = ["send_email", "flaky", "slow", "report"].map((name) => producer.getActor(name));
    await sendEmail.send("a@example.com");
    await sendEmail.send("b@example.com");
    await flaky.sendWithOptions({ args: [1], maxRetries: 0 });
    await flaky.send(2);
    await sendEmail.sendWithOptions({ args: ["later@example.com"], delay: 3_600_000 });
    await report.send(7);
    const worker = new Worker(workerBroker, { concurrency: 2, queues: ["emails"] });
    await worker.start();
    await eventually(async () => (await workerBroker.queueStats("emails")).deadLetters === 1, "one dead letter");
    await slow.send(1);
    const w = workerBroker.workerId;
    await eventually(
      async () =>
        slowStarted &&
        (await admin.scard(`${namespace}:__acks__.${w}.emails.DQ`)) === 2 &&
        (await admin.scard(`${namespace}:__acks__.${w}.emails`)) === 1 &&
        (await admin.exists(`${namespace}:emails`, `${namespace}:emails.DQ`)) === 0,
      "the scenario settles",
    );

    const snapshot = loadProtocolVector<any>("redis-keys.json");
    const normalise = (key: string, ns: string, producerId: string, workerId: string) =>
      key.replace(`${ns}:`, "NS:").replace(producerId, "PRODUCER").replace(workerId, "WORKER");
    const expected = snapshot.keys
      .map((k: { key: string; type: string; pttl: number; value: unknown }) => ({
        key: normalise(k.key, snapshot.namespace, snapshot.producer_broker_id, snapshot.worker_broker_id),
        type: k.type,
        pttl: k.pttl,
        size: Array.isArray(k.value) ? k.value.length : Object.keys(k.value as object).length,
      }))
      // The one key Troupe adds to Dramatiq's layout: why each dead letter died, beside q.XQ.
      .concat([{ key: "NS:emails.XQ.reasons", type: "hash", pttl: -1, size: 1 }])
      .sort((a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key));
    const actual = [];
    for (const key of (await admin.keys(`${namespace}:*`)).sort()) {
      const type = await admin.type(key);
      const size = { set: () => admin.scard(key), zset: () => admin.zcard(key), hash: () => admin.hlen(key), list: () => admin.llen(key) }[
        type
      ];
      actual.push({ key: normalise(key, namespace, producer.workerId, w), type, pttl: await admin.pttl(key), size: await size?.() });
    }
    actual.sort((a, b) => a.key.localeCompare(b.key));
    expect(actual).toEqual(expected);
    const [runningId] = await admin.smembers(`${namespace}:__acks__.${w}.emails`);
    expect(await admin.hexists(`${namespace}:emails.msgs`, runningId)).toBe(1);
    const heartbeats = await admin.zrange(`${namespace}:__heartbeats__`, 0, -1);
    expect(heartbeats.sort()).toEqual([producer.workerId, w].sort());
    release();
    await worker.stop();
  });

  it("interoperates with a Python peer written from docs/protocol.md, both ways", async () => {
    const python = pythonWithRedis();
    const { namespace, make } = open("python");
    const broker = make();
    const seen: unknown[][] = [];
    const add = actor("add", (n: number, text: string) => void seen.push([n, text]), { broker, queueName: "interop" });

    const fromPython = JSON.parse(
      execFileSync(python, [PEER, "enqueue", REDIS_URL, namespace, "interop", "add", "5"], { encoding: "utf8" }),
    );
    const worker = new Worker(broker, { concurrency: 2, queues: ["interop"] });
    await worker.start();
    await broker.join("interop", { timeout: 10_000 });
    await worker.stop();
    expect(fromPython).toHaveLength(5);
    expect(seen.sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([0, 1, 2, 3, 4].map((i) => [i, "pyé"]));

    const sent = await add.sendMany([
      [10, "né"],
      [11, "✓"],
    ]);
    const consumed = JSON.parse(
      execFileSync(python, [PEER, "consume", REDIS_URL, namespace, "interop", "2", "10000"], { encoding: "utf8" }),
    );
    expect(consumed.map((m: { message_id: string }) => m.message_id)).toEqual(sent.map((m) => m.messageId));
    expect(consumed.map((m: { args: unknown[] }) => m.args)).toEqual([
      [10, "né"],
      [11, "✓"],
    ]);
    expect(await admin.exists(`${namespace}:interop`, `${namespace}:interop.msgs`)).toBe(0);
  });
});
