import { actor, ConnectionError, EnqueueUncertain, type Message } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { PrivateRedis } from "../../../test-support/private-redis.js";
import { TcpProxy } from "../../../test-support/tcp-proxy.js";
import { RedisBroker } from "../src/index.js";
import { blockRedis, capturingLogger, since } from "./chaos-support.js";
import { uniqueNamespace } from "./helpers.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

const SENDS = 20;

/** A private redis-server, an admin client on it, and a producer (through a proxy when asked). */
async function rig(options: { connectTimeout: number; proxy?: boolean }) {
  const redis = await PrivateRedis.start();
  const proxy = options.proxy ? await TcpProxy.start({ port: redis.port }) : undefined;
  const admin = new Redis(redis.url);
  // It sees the restart in the last test too: nothing to report.
  admin.on("error", () => {});
  const namespace = uniqueNamespace("send");
  const lines: string[] = [];
  const url = proxy ? `redis://127.0.0.1:${proxy.port}` : redis.url;
  const broker = new RedisBroker({ url, namespace, connectTimeout: options.connectTimeout, logger: capturingLogger(lines) });
  cleanup.push(async () => {
    await broker.close();
    admin.disconnect();
    await proxy?.close();
    await redis.close();
  });
  const work = actor("work", (_n: number) => {}, { broker, queueName: "sends" });
  /** message_id of every copy stored on the queue, waiting. */
  const stored = async () => {
    const payloads = await admin.hvals(`${namespace}:sends.msgs`);
    return payloads.map((raw) => JSON.parse(raw).message_id as string);
  };
  /** True when `message` was sent, for polling until sends work again. */
  const sends = (message: Message) =>
    broker.enqueue(message).then(
      () => true,
      () => false,
    );
  return { redis, proxy, admin, namespace, lines, broker, work, stored, sends };
}

describe("on Redis, a send the caller was told failed", () => {
  it(`is never stored later: ${SENDS} sends that timed out while Redis was busy are refused when it gets to them`, {
    timeout: 30_000,
  }, async () => {
    const { redis, broker, work, stored, sends, lines } = await rig({ connectTimeout: 500 });
    await work.send(0);
    const { done } = await blockRedis(redis.url, 1_500);
    const messages = Array.from({ length: SENDS }, (_, i) => work.message(i + 1));
    const outcomes = await Promise.allSettled(messages.map((message) => broker.enqueue(message)));
    await done;
    // Recovery: the first send that succeeds after Redis is free again.
    const freed = performance.now();
    await eventually(() => sends(work.message(99)), "a send succeeds again", 10_000);
    const recovery = since(freed);
    const ids = await stored();
    const late = messages.filter((message) => ids.includes(message.messageId)).length;
    console.log(`timed-out sends: ${late} of ${SENDS} stored later; recovery ${recovery} ms after Redis was free`);
    expect(late).toBe(0);
    expect(ids).toHaveLength(2);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe("rejected");
      expect(EnqueueUncertain.isInstance((outcome as PromiseRejectedResult).reason)).toBe(true);
    }
    expect(lines.some((line) => /got no answer within 500 ms from .*presuming the connection dead and reconnecting/.test(line))).toBe(true);
  });

  it("is rejected with EnqueueUncertain when the connection drops after it left; sending the same Messages again leaves one copy each", {
    timeout: 30_000,
  }, async () => {
    const { redis, proxy, broker, work, stored, lines } = await rig({ connectTimeout: 5_000, proxy: true });
    await work.send(0);
    const { done } = await blockRedis(redis.url, 1_500);
    const messages: Message[] = Array.from({ length: SENDS }, (_, i) => work.message(i + 1));
    const sending = Promise.allSettled(messages.map((message) => broker.enqueue(message)));
    await sleep(200);
    proxy?.drop();
    const outcomes = await sending;
    // Redis runs what reached it before the drop once it is free: the sends were stored, the answers lost.
    await done;
    const before = await stored();
    const resent = await Promise.allSettled(messages.map((message) => broker.enqueue(message)));
    const ids = await stored();
    const copies = messages.map((message) => ids.filter((id) => id === message.messageId).length);
    console.log(
      `dropped sends: ${messages.filter((m) => before.includes(m.messageId)).length} of ${SENDS} stored before the resend, ` +
        `${copies.filter((n) => n > 1).length} with two copies after it`,
    );
    for (const outcome of outcomes) {
      expect(outcome.status).toBe("rejected");
      expect(EnqueueUncertain.isInstance((outcome as PromiseRejectedResult).reason)).toBe(true);
    }
    expect(resent.every((outcome) => outcome.status === "fulfilled")).toBe(true);
    expect(copies).toEqual(messages.map(() => 1));
    expect(ids).toHaveLength(SENDS + 1);
    expect(lines.some((line) => /closed with \d+ send\(s\) unanswered: rejected them with EnqueueUncertain/.test(line))).toBe(true);
  });

  it("fails with ConnectionError, not EnqueueUncertain, when nothing was sent (Redis unreachable)", async () => {
    const { redis, broker, work, stored, sends } = await rig({ connectTimeout: 300 });
    await work.send(0);
    await redis.kill();
    // Loopback resets arrive at once; this only lets ioredis handle the close before the send.
    await sleep(300);
    const refused = work.message(1);
    const error = await broker.enqueue(refused).catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect(EnqueueUncertain.isInstance(error)).toBe(false);
    await redis.restart();
    const next = work.message(2);
    await eventually(() => sends(next), "a send succeeds again", 10_000);
    // The restarted server (no AOF) holds only what was sent after it came back.
    expect(await stored()).toEqual([next.messageId]);
  });
});
