import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import type { TransportReader } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../../test-support/free-port.js";
import { RedisTransport } from "../src/index.js";
import { deleteNamespace, quietLogger, REDIS_URL, uniqueNamespace, writeRaw } from "./helpers.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

/** A transport and an admin client on `url`, a reader of a fresh queue listening for wake-ups, and the ack set it fills. */
async function idleReader(url = REDIS_URL) {
  const namespace = uniqueNamespace("blocked");
  const transport = new RedisTransport({ url, namespace, logger: quietLogger });
  const admin = new Redis(url);
  const queueName = "blocked";
  const reader: TransportReader<string> = await transport.openReader(queueName, { prefetch: 10 });
  let wakeUps = 0;
  reader.onReady?.(() => void wakeUps++);
  // First: the reader returns what it holds before any server it reads is stopped.
  cleanup.unshift(async () => {
    await reader.close();
    await transport.close();
    await deleteNamespace(admin, namespace);
    admin.disconnect();
  });
  // Core's first fetch finds nothing; the reader then waits on the queue.
  expect(await reader.fetch(10, [])).toEqual([]);
  const held = (id: string) => admin.sismember(`${namespace}:__acks__.${transport.workerId}.${queueName}`, id);
  return { namespace, transport, admin, queueName, reader, held, wakeUps: () => wakeUps };
}

describe("a Redis reader waiting on an empty queue", () => {
  it("takes a foreign producer's message (no wake-up published) as it is pushed, hands it out at the next fetch, and waits again", async () => {
    const { namespace, admin, queueName, reader, held, wakeUps } = await idleReader();
    const id = await writeRaw(admin, namespace, queueName, "from python");
    await eventually(() => wakeUps() > 0, "onReady fired", 5_000);
    // Taken in Redis already, before core asked: the blocked read's fetch ran right behind the push.
    expect(await held(id)).toBe(1);
    const [delivery] = await reader.fetch(10, []);
    expect(delivery).toEqual({ handle: id, data: "from python" });
    // It waits again by itself: the next message is taken as it is pushed too.
    const next = await writeRaw(admin, namespace, queueName, "and another");
    await eventually(() => wakeUps() > 1, "onReady fired again", 5_000);
    expect(await held(next)).toBe(1);
    expect((await reader.fetch(10, [id])).map((taken) => taken.handle)).toEqual([next]);
  });

  it("takes nothing from a queue paused meanwhile", async () => {
    const { namespace, transport, admin, queueName, reader, held } = await idleReader();
    await transport.pauseQueue(queueName);
    const id = await writeRaw(admin, namespace, queueName, "paused");
    await sleep(300);
    expect(await held(id)).toBe(0);
    expect(await transport.stats(queueName)).toMatchObject({ ready: 1, inFlight: 0 });
    // Once the worker fetches again (it does not while the queue is paused), the message is there.
    await transport.resumeQueue(queueName);
    expect((await reader.fetch(10, [])).map((delivery) => delivery.handle)).toEqual([id]);
  });

  it.each([
    ["has no BLMOVE (Redis < 6.2)", ["--rename-command", "BLMOVE", ""], undefined],
    ["refuses BLMOVE (an ACL without it)", [], ["limited", "on", ">secret", "~*", "&*", "+@all", "-blmove"]],
  ])("falls back to pub/sub wake-ups for good where the server %s, and takes nothing ahead", async (_, args, user) => {
    let url = await privateRedis(args as string[]);
    if (user) {
      const setup = new Redis(url);
      await setup.call("ACL", "SETUSER", ...(user as string[]));
      setup.disconnect();
      url = url.replace("redis://", "redis://limited:secret@");
    }
    const { transport, queueName, reader, held, wakeUps } = await idleReader(url);
    // The refused read wakes core once; its fetch finds nothing, and the reader does not block again.
    await eventually(() => wakeUps() > 0, "the refused read woke core", 5_000);
    expect(await reader.fetch(10, [])).toEqual([]);
    const before = wakeUps();
    await sleep(200);
    expect(wakeUps()).toBe(before);
    await transport.publish([{ queueName, messageId: "m-1", data: "troupe" }]);
    await eventually(() => wakeUps() > before, "the pub/sub wake-up fired", 5_000);
    expect(await held("m-1")).toBe(0);
    expect((await reader.fetch(10, [])).map((delivery) => delivery.data)).toEqual(["troupe"]);
  });
});

/** A redis-server of this test's own, started with `args`. */
async function privateRedis(args: string[]): Promise<string> {
  const port = await freePort();
  const server: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...args],
    {
      stdio: "ignore",
    },
  );
  cleanup.push(async () => {
    server.kill("SIGKILL");
  });
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => resolve(socket.destroy() === socket));
      socket.once("error", () => resolve(false));
    });
    if (open) return `redis://127.0.0.1:${port}`;
    await sleep(50);
  }
  throw new Error("the private redis-server did not start");
}
