import { ConnectionError, type RawDelivery } from "@troupe/core";
import { sleep } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterEach, expect, it } from "vitest";
import { PrivateRedis } from "../../../test-support/private-redis.js";
import { TcpProxy } from "../../../test-support/tcp-proxy.js";
import { RedisTransport } from "../src/index.js";
import { blockRedis, capturingLogger } from "./chaos-support.js";
import { quietLogger, uniqueNamespace } from "./helpers.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

it("hands back what a fetch whose reply was lost moved into the ack set, at the next fetch, and then hands it out", {
  timeout: 30_000,
}, async () => {
  const redis = await PrivateRedis.start();
  const proxy = await TcpProxy.start({ port: redis.port });
  const namespace = uniqueNamespace("lost");
  const lines: string[] = [];
  const producer = new RedisTransport({ url: redis.url, namespace, logger: quietLogger });
  // The reader reaches Redis through the proxy, so its connection can drop with the fetch's reply on the way.
  const transport = new RedisTransport({
    url: `redis://127.0.0.1:${proxy.port}`,
    namespace,
    connectTimeout: 5_000,
    logger: capturingLogger(lines),
  });
  const admin = new Redis(redis.url);
  cleanup.push(async () => {
    await transport.close();
    await producer.close();
    admin.disconnect();
    await proxy.close();
    await redis.close();
  });
  const queueName = "lost";
  const reader = await transport.openReader(queueName, { prefetch: 10 });
  // Its connection is open (a reader has fetched before).
  expect(await reader.fetch(10, [])).toEqual([]);
  await producer.publish(["a", "b", "c"].map((data, i) => ({ queueName, messageId: `m-${i}`, data })));

  // Redis gets the fetch late; the connection drops before it answers; then Redis runs it.
  const { done } = await blockRedis(redis.url, 1_000);
  const fetching = reader.fetch(10, []).catch((error: unknown) => error);
  await sleep(200);
  proxy.drop();
  const error = await fetching;
  await done;
  const ackSet = `${namespace}:__acks__.${transport.workerId}.${queueName}`;
  expect(ConnectionError.isInstance(error)).toBe(true);
  expect((await admin.smembers(ackSet)).sort()).toEqual(["m-0", "m-1", "m-2"]);

  let again: readonly RawDelivery<string>[] = [];
  for (let attempt = 0; attempt < 100 && again.length === 0; attempt++) {
    again = await reader.fetch(10, []).catch(() => []);
    if (again.length === 0) await sleep(50);
  }
  // An ack set has no order: the three come back in some order.
  expect(again.map((delivery) => delivery.data).sort()).toEqual(["a", "b", "c"]);
  expect(lines).toContain("info: returned 3 message(s) of a lost reply to lost");
});
