import { actor, Message, Worker } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterEach, expect, it } from "vitest";
import { loadProtocolVector, type MessageVector } from "../../../fixtures/protocol-vectors.js";
import { RedisBroker } from "../src/index.js";
import { deleteNamespace, REDIS_URL, uniqueNamespace, writeRaw } from "./helpers.js";

const admin = new Redis(REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

// The poison matrix every broker must handle is in the testkit conformance suite; this checks what Redis adds.
it("keeps the exact bytes of dead-lettered garbage, Dramatiq's NaN vector, an extra key and an unknown actor in q.XQ; good messages beside them run", async () => {
  const namespace = uniqueNamespace("poison");
  const warnings: string[] = [];
  const logger = {
    debug() {},
    info() {},
    warn: (text: string) => void warnings.push(text),
    error: (text: string) => void warnings.push(text),
  };
  const broker = new RedisBroker({ url: REDIS_URL, namespace, logger });
  cleanup.push(async () => {
    await broker.close();
    await deleteNamespace(admin, namespace);
  });
  const ran: number[] = [];
  actor("good", (n: number) => void ran.push(n), { broker, queueName: "poison" });
  const wire = (actorName: string, n: number) => new Message({ queueName: "poison", actorName, args: [n] }).toJSON();

  const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0xc3, 0x28]);
  const extraKey = JSON.stringify({ ...wire("good", 99), extra: true });
  const unknownActor = JSON.stringify(wire("nobody_declared_this", 98));
  // Python Dramatiq's bytes for add.send(nan, inf, -inf) (fixtures/protocol-vectors/messages-nonstandard.json).
  const nonFinite = loadProtocolVector<MessageVector[]>("messages-nonstandard.json")[0].raw;
  const bad = new Map<string, string | Buffer>();
  await writeRaw(admin, namespace, "poison", JSON.stringify(wire("good", 1)));
  bad.set(await writeRaw(admin, namespace, "poison", garbage), garbage);
  await writeRaw(admin, namespace, "poison", JSON.stringify(wire("good", 2)));
  bad.set(await writeRaw(admin, namespace, "poison", extraKey), extraKey);
  bad.set(await writeRaw(admin, namespace, "poison", unknownActor), unknownActor);
  bad.set(await writeRaw(admin, namespace, "poison", nonFinite), nonFinite);
  await writeRaw(admin, namespace, "poison", JSON.stringify(wire("good", 3)));

  const worker = new Worker(broker, { concurrency: 2, queues: ["poison"] });
  await worker.start();
  await broker.join("poison", { timeout: 10_000 });
  expect(ran.sort()).toEqual([1, 2, 3]);

  const xq = `${namespace}:poison.XQ`;
  expect((await admin.zrange(xq, 0, -1)).sort()).toEqual([...bad.keys()].sort());
  for (const [id, raw] of bad) expect(await admin.hgetBuffer(`${xq}.msgs`, id)).toEqual(Buffer.from(raw));
  expect(warnings.some((w) => /not valid JSON/.test(w))).toBe(true);
  expect(warnings.some((w) => /unknown top-level key "extra"/.test(w))).toBe(true);
  expect(warnings.some((w) => /nobody_declared_this/.test(w))).toBe(true);
  expect(warnings.some((w) => /NaN or Infinity/.test(w))).toBe(true);

  await broker.getActor("good").send(4);
  await eventually(() => ran.includes(4), "the worker keeps running after poison input");
  expect(worker.isRunning).toBe(true);
  await worker.stop();
});
