import { actor, currentMessage, group, type RateLimiterBackend } from "@troupe/core";
import { GroupCallbacks } from "@troupe/rate-limit";
import { MemcachedRateLimiterBackend } from "@troupe/rate-limit/memcached";
import { RedisRateLimiterBackend } from "@troupe/rate-limit/redis";
import { memcachedMeta } from "@troupe/testkit";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { brokerWith } from "./helpers.ts";

const redis = new RedisRateLimiterBackend({ url: "redis://127.0.0.1:6379" });
const memcached = new MemcachedRateLimiterBackend({ servers: "127.0.0.1:11211" });
afterAll(async () => {
  await redis.close();
  await memcached.close();
});

/** The barrier's remaining TTL in ms, read straight from the store. */
const ttlOf: Record<string, (key: string) => Promise<number | undefined>> = {
  redis: async (key) => {
    const pttl = await redis.client.pttl(key);
    return pttl >= 0 ? pttl : undefined;
  },
  memcached: async (key) => {
    const meta = await memcachedMeta(key);
    return meta ? meta.ttl * 1000 : undefined;
  },
};

describe.each([
  ["redis", redis],
  ["memcached", memcached],
] as [string, RateLimiterBackend][])("GroupCallbacks over the %s backend", (name, backend) => {
  let h = brokerWith(new GroupCallbacks({ backend, barrierTtl: 60_000 }));
  afterEach(async () => {
    await h.stop();
    h = brokerWith(new GroupCallbacks({ backend, barrierTtl: 60_000 }));
  });

  function actors() {
    const uuids = new Set<string>();
    const notified: string[] = [];
    const member = actor(
      `member_${name}`,
      async (fail: boolean) => {
        uuids.add(currentMessage().message.options.group_completion_uuid as string);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
        if (fail) throw new Error("member failed for good");
      },
      { broker: h.broker, maxRetries: 0 },
    );
    const done = actor(`done_${name}`, (label: string) => void notified.push(label), { broker: h.broker });
    return { member, done, uuids, notified };
  }

  it("fires the completion callback exactly once, when the last member succeeds", async () => {
    const { member, done, notified, uuids } = actors();
    await h.start(8);
    await group(
      Array.from({ length: 6 }, () => member.message(false)),
      { broker: h.broker },
    )
      .addCompletionCallback(done.message("all done"))
      .run();
    await h.broker.join(member.queueName, { timeout: 10_000 });
    await h.broker.join(done.queueName, { timeout: 10_000 });
    expect(notified).toEqual(["all done"]);
    expect(uuids.size).toBe(1);
  });

  it("never fires the callback after a member failed permanently", async () => {
    const { member, done, notified } = actors();
    await h.start(8);
    await group([member.message(false), member.message(true), member.message(false)], { broker: h.broker })
      .addCompletionCallback(done.message("all done"))
      .run();
    await h.broker.join(member.queueName, { timeout: 10_000, failFast: false });
    await h.broker.join(done.queueName, { timeout: 10_000 });
    expect(h.broker.deadLetters).toHaveLength(1);
    expect(notified).toEqual([]);
  });

  it("the barrier key lives barrierTtl", async () => {
    const { member, done, uuids } = actors();
    await h.start();
    await group([member.message(false), member.message(false)], { broker: h.broker })
      .addCompletionCallback(done.message("x"))
      .run();
    await h.broker.join(member.queueName, { timeout: 10_000 });
    const [uuid] = uuids;
    const ttl = await ttlOf[name](uuid);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});
