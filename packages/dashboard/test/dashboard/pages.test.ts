import { RabbitmqBroker } from "@troupe/broker-rabbitmq";
import { RedisBroker } from "@troupe/broker-redis";
import { actor, deadLetterQueueName, delayQueueName, MemoryBroker, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import amqp from "amqplib";
import { afterEach, describe, expect, it } from "vitest";
import { createDashboard, MemoryStatusStore, Status } from "../../src/index.js";
import { quietLogger, REDIS_URL, type RedisDashboard, redisDashboard } from "./support/environment.js";
import { Client, serve } from "./support/http-client.js";

const RABBITMQ_URL = process.env.TROUPE_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";

describe("dashboard pages on Redis", () => {
  const opened: RedisDashboard[] = [];
  const open = async () => {
    const env = await redisDashboard();
    opened.push(env);
    return env;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((env) => env.close()));
  });

  it("shows a failure's error and traceback on the message page, and finds it by state and time range", async () => {
    const env = await open();
    const boom = actor(
      "boom",
      () => {
        throw new TypeError("no such thing");
      },
      { broker: env.broker, queueName: "dash", maxRetries: 0 },
    );
    const ok = actor("fine", () => "ok", { broker: env.broker, queueName: "dash" });
    await env.startWorker();
    const failed = await boom.send();
    const fine = await ok.send();
    await eventually(async () => (await env.store.get(failed.messageId))?.state === "dead-lettered", "dead-lettered");
    await eventually(async () => (await env.store.get(fine.messageId))?.state === "succeeded", "succeeded");
    const client = env.client();
    const page = await client.get(`/messages/${failed.messageId}`);
    expect(page.body).toContain("<strong>TypeError</strong>: no such thing");
    expect(page.body).toMatch(/<pre class="traceback">TypeError: no such thing\n\s+at /);

    const byState = await client.get("/search?state=dead-lettered");
    expect(byState.body).toContain(failed.messageId);
    expect(byState.body).not.toContain(fine.messageId);
    const past = new Date(Date.now() - 3_600_000).toISOString().slice(0, 16);
    const earlier = new Date(Date.now() - 1_800_000).toISOString().slice(0, 16);
    expect((await client.get(`/search?actor=fine&from=${past}`)).body).toContain(fine.messageId);
    expect((await client.get(`/search?actor=fine&from=${past}&to=${earlier}`)).body).toContain("No matching records.");
    const missing = await client.get("/search?id=not-a-message");
    expect(missing.body).toContain("No record of message <code>not-a-message</code>");
    expect((await client.get("/messages/not-a-message")).status).toBe(404);
  });

  it("requeues the oldest dead letter, answers the page script in JSON, purges, and falls back to one bulk request", async () => {
    const env = await open();
    const dead = actor(
      "dies",
      () => {
        throw new Error("down");
      },
      { broker: env.broker, queueName: "dash", maxRetries: 0 },
    );
    await env.startWorker();
    await dead.sendMany([[], [], [], []]);
    await eventually(async () => (await env.broker.queueStats("dash")).deadLetters === 4, "four dead letters");
    const client = env.client();
    const listing = await client.get("/dead-letters?queue=dash");
    expect(listing.body.match(/<tr data-dead-letter=/g)).toHaveLength(4);

    const one = await client.post("/dead-letters/requeue?limit=1", { queue: "dash" });
    expect(one.headers.get("location")).toBe("/dead-letters?queue=dash&notice=requeued&count=1");
    const json = await client.post("/dead-letters/requeue", { queue: "dash", limit: "2" }, { headers: { accept: "application/json" } });
    expect(JSON.parse(json.body)).toEqual({ moved: 2 });
    await eventually(async () => (await env.broker.queueStats("dash")).deadLetters === 4, "the requeued ones died again");
    const purged = await client.post("/dead-letters/purge", { queue: "dash" }, { headers: { accept: "application/json" } });
    expect(JSON.parse(purged.body)).toEqual({ purged: 4 });
    await dead.sendMany([[], []]);
    await eventually(async () => (await env.broker.queueStats("dash")).deadLetters === 2, "two more dead letters");
    const bulk = await client.post("/dead-letters/bulk", { queues: ["dash", "not-shown"], action: "purge" });
    expect(bulk.headers.get("location")).toBe("/dead-letters?notice=purged&count=2");
    expect((await client.post("/dead-letters/purge", { queue: "not-shown" })).status).toBe(400);
  });

  it("lists the worker processes from the heartbeats with what each holds, marking its own", async () => {
    const env = await open();
    const workerBroker = new RedisBroker({ url: REDIS_URL, namespace: env.namespace, logger: quietLogger });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const hold = actor("hold", () => gate, { broker: workerBroker, queueName: "dash" });
    // The dashboard lists the queues its own broker declares.
    actor("hold", () => {}, { broker: env.broker, queueName: "dash" });
    const worker = new Worker(workerBroker, { concurrency: 1, workerTimeout: 100 });
    try {
      await worker.start();
      await hold.send();
      await eventually(() => worker.inFlight.size === 1, "the message is running");
      const client = env.client();
      // Reading queue stats makes the dashboard's own broker beat too.
      await client.get("/");
      const page = await client.get("/workers");
      expect(page.body).toContain(`<tr data-worker="${workerBroker.workerId}">`);
      expect(page.body).toContain('<span class="chip">dash: 1</span>');
      expect(page.body).toContain('<span class="badge alive">alive</span>');
      expect(page.body).toContain(`${env.broker.workerId} <span class="badge">this dashboard's process</span>`);
    } finally {
      release();
      await worker.stop();
      await workerBroker.close();
    }
  });

  it("lists queues seen only in status records, as those of other services are", async () => {
    const store = new MemoryStatusStore();
    // Another service records its messages in the same store; the dashboard's broker declares nothing.
    const elsewhere = new MemoryBroker({ logger: quietLogger });
    elsewhere.addMiddleware(new Status({ store, flushInterval: 10 }));
    const remote = actor("remote_job", () => {}, { broker: elsewhere, queueName: "elsewhere-only" });
    const sent = await remote.send();
    await eventually(async () => (await store.get(sent.messageId)) !== undefined, "the record exists");
    const server = await serve(createDashboard({ broker: new MemoryBroker(), statusStore: store, auth: "none" }));
    try {
      const page = await new Client(server.url).get("/");
      expect(page.body).toContain('<tr data-queue="elsewhere-only">');
    } finally {
      await server.close();
    }
  });
});

describe("dashboard pages on RabbitMQ", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("shows counts, dead letters and consumer counts, offers no pause, and hides the URL's password", async () => {
    const queueName = uniqueQueue("dash_rmq");
    const broker = new RabbitmqBroker({ url: RABBITMQ_URL, logger: quietLogger });
    const store = new MemoryStatusStore();
    broker.addMiddleware(new Status({ store, flushInterval: 10 }));
    const dies = actor(
      "dies",
      () => {
        throw new Error("down");
      },
      { broker, queueName, maxRetries: 0 },
    );
    const worker = new Worker(broker, { concurrency: 1, workerTimeout: 100 });
    cleanup.push(async () => {
      await worker.stop();
      await broker.close();
      const connection = await amqp.connect(RABBITMQ_URL);
      const channel = await connection.createChannel();
      for (const name of [queueName, delayQueueName(queueName), deadLetterQueueName(queueName)]) await channel.deleteQueue(name);
      await connection.close();
    });
    await worker.start();
    const sent = await dies.send();
    await eventually(async () => (await broker.queueStats(queueName)).deadLetters === 1, "dead-lettered");
    await eventually(async () => (await store.get(sent.messageId))?.state === "dead-lettered", "recorded");

    const server = await serve(createDashboard({ broker, statusStore: store, auth: "none" }));
    cleanup.push(() => server.close());
    const client = new Client(server.url);
    const queues = await client.get("/");
    expect(queues.body).toContain(`<tr data-queue="${queueName}">`);
    expect(queues.body).toContain('<td data-stat="in-flight">—</td>');
    expect(queues.body).not.toContain('data-action="pause"');
    expect(queues.body).not.toContain("guest:guest");
    expect(queues.body).toContain("amqp://guest:***@");
    expect((await client.get(`/dead-letters?queue=${queueName}`)).body).toContain(`<tr data-dead-letter="${sent.messageId}">`);
    const workers = await client.get("/workers");
    expect(workers.body).toContain(`<tr data-queue="${queueName}"><th scope="row">${queueName}</th><td data-stat="consumers">1</td>`);
    expect((await client.post("/queues/pause", { queue: queueName })).status).toBe(400);
    expect((await client.get(`/messages/${sent.messageId}`)).body).toContain("dead-lettered");
  });
});
