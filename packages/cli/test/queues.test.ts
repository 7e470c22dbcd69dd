import { RabbitmqBroker } from "@troupe/broker-rabbitmq";
import { RedisBroker } from "@troupe/broker-redis";
import { Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { deleteKeys, fixture, REDIS_URL, run, space } from "./helpers.js";

const RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672";

describe("troupe queues", () => {
  it("--json reports ready, delayed, in-flight and dead-letter counts of every queue the module declares", async () => {
    const s = space();
    await s.broker.enqueueMany([1, 2, 3].map((i) => new Message({ queueName: s.queue, actorName: "count", args: [i] })));
    await s.broker.enqueue(new Message({ queueName: s.queue, actorName: "count", args: [] }), { delay: 60_000 });
    await s.broker.enqueue(new Message({ queueName: `${s.queue}-alpha`, actorName: "on_alpha", args: [] }));
    const { code, stdout } = await run(["queues", fixture("tasks.mjs"), "--json"], s.env);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      { queueName: s.queue, ready: 3, delayed: 1, inFlight: 0, deadLetters: 0 },
      { queueName: `${s.queue}-alpha`, ready: 1, delayed: 0, inFlight: 0, deadLetters: 0 },
      { queueName: `${s.queue}-beta`, ready: 0, delayed: 0, inFlight: 0, deadLetters: 0 },
      { queueName: `${s.queue}-gamma`, ready: 0, delayed: 0, inFlight: 0, deadLetters: 0 },
    ]);
  });

  it("prints a table with one row per queue", async () => {
    const s = space();
    await s.broker.enqueueMany([1, 2].map((i) => new Message({ queueName: s.queue, actorName: "count", args: [i] })));
    const { code, stdout } = await run(["queues", fixture("tasks.mjs")], s.env);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0].split(/\s{2,}/)).toEqual(["queue", "ready", "delayed", "in flight", "dead letters"]);
    expect(lines[1].trim().split(/\s+/)).toEqual([s.queue, "2", "0", "0", "0"]);
    expect(lines).toHaveLength(5);
  });

  it("--url with --queues reads a Redis broker without a module", async () => {
    const queue = `troupe-cli-queues-${process.pid}-${Date.now()}`;
    const producer = new RedisBroker({ url: REDIS_URL });
    const s = space();
    try {
      await producer.enqueueMany([1, 2].map((i) => new Message({ queueName: queue, actorName: "count", args: [i] })));
      const { code, stdout } = await run(["queues", "--url", REDIS_URL, "--queues", queue, "--json"]);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual([{ queueName: queue, ready: 2, delayed: 0, inFlight: 0, deadLetters: 0 }]);
    } finally {
      await producer.close();
      await deleteKeys(s.redis, `dramatiq:*${queue}*`);
    }
  });

  it("works on RabbitMQ through the same broker contract", async () => {
    const queue = `troupe-cli-queues-${process.pid}-${Date.now()}`;
    const producer = new RabbitmqBroker({ url: RABBITMQ_URL });
    try {
      await producer.enqueueMany([1, 2, 3].map((i) => new Message({ queueName: queue, actorName: "count", args: [i] })));
      const { code, stdout, stderr } = await run(["queues", "--queues", queue, "--json"], { TROUPE_BROKER_URL: RABBITMQ_URL });
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual([{ queueName: queue, ready: 3, delayed: 0, inFlight: null, deadLetters: 0 }]);
    } finally {
      await producer.flush(queue);
      await producer.close();
    }
  });

  it("exits 2 when no broker is given", async () => {
    const { code, stderr } = await run(["queues"]);
    expect(code).toBe(2);
    expect(stderr).toBe("troupe: no broker: pass --url URL or a module, or set TROUPE_BROKER_URL\n");
  });
});
