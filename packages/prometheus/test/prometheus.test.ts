import { actor, currentMessage, MemoryBroker, Worker } from "@troupe/core";
import { TestBroker } from "@troupe/core/testing";
import { Prometheus } from "@troupe/prometheus";
import { register as globalRegistry, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { parseExposition, seriesOf, sumOf } from "./support/exposition-format.js";
import { quietLogger, scrape, uniqueQueue, until } from "./support/workload.js";

const workers: Worker[] = [];

afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.stop({ timeout: 1000 });
});

/** A memory broker (or the one given) with the middleware, a started worker, and the URL it serves metrics on. */
async function setup(options: ConstructorParameters<typeof Prometheus>[0] = {}, broker = new MemoryBroker({ logger: quietLogger })) {
  const prometheus = new Prometheus({ port: 0, ...options });
  broker.addMiddleware(prometheus);
  const queueName = uniqueQueue("metrics");
  const retryFast = { queueName, minBackoff: 1, maxBackoff: 5 };
  const actors = {
    ok: actor("ok", async () => "done", { broker, queueName }),
    // Fails its first attempt only: one error, one retry, then a success.
    flaky: actor(
      "flaky",
      async () => {
        if (!currentMessage().message.options.retries) throw new Error("first attempt fails");
      },
      { broker, ...retryFast },
    ),
    // Always fails: 3 attempts, 2 retries, then dead-lettered.
    bad: actor(
      "bad",
      async () => {
        throw new Error("always fails");
      },
      { broker, ...retryFast, maxRetries: 2 },
    ),
    later: actor("later", async () => {}, { broker, queueName }),
  };
  const worker = new Worker(broker, { concurrency: 4, workerTimeout: 20 });
  workers.push(worker);
  await worker.start();
  return { broker, worker, prometheus, queueName, actors, url: urlOf(prometheus) };
}

function urlOf(prometheus: Prometheus): string {
  const address = prometheus.address;
  if (!address) throw new Error("the middleware is not serving");
  return `http://${address.host}:${address.port}/metrics`;
}

describe("Prometheus middleware in one process", () => {
  it("counts a known workload exactly: messages, errors, retries once each, rejects, durations", async () => {
    const { broker, worker, queueName, actors, url } = await setup();
    for (let i = 0; i < 5; i++) await actors.ok.send();
    for (let i = 0; i < 3; i++) await actors.flaky.send();
    for (let i = 0; i < 2; i++) await actors.bad.send();
    await broker.join(queueName, { failFast: false });
    await worker.join();

    const { status, contentType, body } = await scrape(url);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = parseExposition(body);
    const at = (name: string, actorName: string) => sumOf(metrics, name, { queue_name: queueName, actor_name: actorName });

    expect([at("dramatiq_messages_total", "ok"), at("dramatiq_messages_total", "flaky"), at("dramatiq_messages_total", "bad")]).toEqual([
      5, 6, 6,
    ]);
    expect([
      at("dramatiq_message_errors_total", "ok"),
      at("dramatiq_message_errors_total", "flaky"),
      at("dramatiq_message_errors_total", "bad"),
    ]).toEqual([0, 3, 6]);
    expect([at("dramatiq_message_retries_total", "flaky"), at("dramatiq_message_retries_total", "bad")]).toEqual([3, 4]);
    expect([at("dramatiq_message_rejects_total", "flaky"), at("dramatiq_message_rejects_total", "bad")]).toEqual([0, 2]);
    expect(sumOf(metrics, "dramatiq_message_duration_milliseconds_count", { queue_name: queueName })).toBe(17);
    expect(sumOf(metrics, "dramatiq_messages_inprogress")).toBe(0);
    expect(sumOf(metrics, "dramatiq_delayed_messages_inprogress")).toBe(0);
    expect(broker.deadLettersByQueue(queueName)).toHaveLength(2);
  });

  it("uses Dramatiq's metric types, help texts and duration buckets", async () => {
    const { broker, worker, queueName, actors, url } = await setup();
    await actors.ok.send();
    await broker.join(queueName);
    await worker.join();
    const metrics = parseExposition((await scrape(url)).body);

    const types = Object.fromEntries([...metrics.values()].map((family) => [family.name, family.type]));
    expect(types).toMatchObject({
      dramatiq_messages_total: "counter",
      dramatiq_message_errors_total: "counter",
      dramatiq_message_retries_total: "counter",
      dramatiq_message_rejects_total: "counter",
      dramatiq_messages_inprogress: "gauge",
      dramatiq_delayed_messages_inprogress: "gauge",
      dramatiq_message_duration_milliseconds: "histogram",
    });
    expect(metrics.get("dramatiq_messages_total")?.help).toBe("The total number of messages processed.");
    const buckets = seriesOf(metrics, "dramatiq_message_duration_milliseconds_bucket").map((sample) => sample.labels.le);
    expect(buckets).toEqual([
      ...["5", "10", "25", "50", "75", "100", "250", "500", "750", "1000", "2500", "5000", "7500", "10000"],
      ...["30000", "60000", "600000", "900000", "+Inf"],
    ]);
    expect(Object.keys(seriesOf(metrics, "dramatiq_messages_total")[0].labels).sort()).toEqual(["actor_name", "queue_name"]);
  });

  it("reports queue depth per declared queue, read from the broker at scrape time", async () => {
    const { broker, worker, prometheus, queueName, actors } = await setup();
    await actors.bad.send();
    await broker.join(queueName, { failFast: false });
    await worker.join();
    await worker.stop();
    // A worker on another queue leaves this queue's messages where they are; the middleware serves again from its boot.
    const otherQueue = uniqueQueue("other");
    const idle = new Worker(broker, { queues: [otherQueue], workerTimeout: 20 });
    workers.push(idle);
    await idle.start();
    await actors.ok.send();
    await actors.ok.send();
    await actors.later.sendWithOptions({ args: [], delay: 600_000 });

    const metrics = parseExposition((await scrape(urlOf(prometheus))).body);
    const depth = (name: string, queue: string) => seriesOf(metrics, name).filter((sample) => sample.labels.queue_name === queue);
    expect(depth("dramatiq_queue_ready_messages", queueName)).toEqual([expect.objectContaining({ value: 2 })]);
    expect(depth("dramatiq_queue_delayed_messages", queueName)).toEqual([expect.objectContaining({ value: 1 })]);
    expect(depth("dramatiq_queue_dead_letter_messages", queueName)).toEqual([expect.objectContaining({ value: 1 })]);
    expect(depth("dramatiq_queue_ready_messages", otherQueue)).toEqual([expect.objectContaining({ value: 0 })]);
  });

  it("shows a delayed message held by the worker, and no longer once it has moved to its queue and run", async () => {
    // Virtual time: the message stays held until the test moves the clock to its eta. On the real
    // clock a loaded process that stalled past the eta never saw the held state, and waited forever.
    const testBroker = new TestBroker({ logger: quietLogger });
    const { broker, worker, queueName, actors, url } = await setup({}, testBroker);
    await actors.later.sendWithOptions({ args: [], delay: 300 });
    const held = async () =>
      sumOf(parseExposition((await scrape(url)).body), "dramatiq_delayed_messages_inprogress", { actor_name: "later" });
    await until(async () => (await held()) === 1);
    testBroker.clock.advance(299);
    expect(await held()).toBe(1);
    testBroker.clock.advance(1);
    await broker.join(queueName);
    await worker.join();
    const metrics = parseExposition((await scrape(url)).body);
    expect(sumOf(metrics, "dramatiq_delayed_messages_inprogress")).toBe(0);
    expect(sumOf(metrics, "dramatiq_messages_total", { actor_name: "later" })).toBe(1);
  });

  it("shows a running message as in progress", async () => {
    const broker = new MemoryBroker({ logger: quietLogger });
    const prometheus = new Prometheus({ port: 0 });
    broker.addMiddleware(prometheus);
    const queueName = uniqueQueue("inprogress");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    const waits = actor(
      "waits",
      async () => {
        started = true;
        await gate;
      },
      { broker, queueName },
    );
    const worker = new Worker(broker, { workerTimeout: 20 });
    workers.push(worker);
    await worker.start();
    await waits.send();
    await until(() => started);
    const url = urlOf(prometheus);
    expect(sumOf(parseExposition((await scrape(url)).body), "dramatiq_messages_inprogress", { actor_name: "waits" })).toBe(1);
    release();
    await broker.join(queueName);
    await worker.join();
    expect(sumOf(parseExposition((await scrape(url)).body), "dramatiq_messages_inprogress", { actor_name: "waits" })).toBe(0);
  });

  it("names metrics with the prefix option", async () => {
    const { broker, worker, queueName, actors, url } = await setup({ prefix: "troupe" });
    await actors.ok.send();
    await broker.join(queueName);
    await worker.join();
    const metrics = parseExposition((await scrape(url)).body);
    expect(sumOf(metrics, "troupe_messages_total", { actor_name: "ok" })).toBe(1);
    expect([...metrics.keys()].filter((name) => !name.startsWith("troupe_"))).toEqual([]);
  });

  it("keeps its metrics in its own registry, or in the one it is given, never in prom-client's global one", async () => {
    const own = new Prometheus({ port: 0 });
    expect(own.registry).not.toBe(globalRegistry);
    expect(await own.registry.getSingleMetric("dramatiq_messages_total")).toBeDefined();
    expect(globalRegistry.getSingleMetric("dramatiq_messages_total")).toBeUndefined();
    // Two instances would clash on a shared registry; separate ones coexist.
    expect(() => new Prometheus({ port: 0 })).not.toThrow();

    const given = new Registry();
    const prometheus = new Prometheus({ port: 0, registry: given });
    expect(prometheus.registry).toBe(given);
    expect(given.getSingleMetric("dramatiq_message_duration_milliseconds")).toBeDefined();
  });

  it("serves only /metrics, and stops serving when the worker shuts down", async () => {
    const { worker, url } = await setup();
    expect((await scrape(url.replace("/metrics", "/other"))).status).toBe(404);
    await worker.stop();
    await expect(fetch(url)).rejects.toThrow();
  });

  it("reports a port that is taken as a MetricsServerError from afterWorkerBoot, and the worker still runs", async () => {
    const first = await setup();
    const port = Number(new URL(first.url).port);
    const errors: string[] = [];
    const broker = new MemoryBroker({ logger: { ...quietLogger, error: (line) => errors.push(line) } });
    const prometheus = new Prometheus({ port });
    broker.addMiddleware(prometheus);
    const worker = new Worker(broker, { workerTimeout: 20 });
    workers.push(worker);
    await worker.start();
    expect(worker.isRunning).toBe(true);
    expect(prometheus.address).toBeUndefined();
    expect(errors.join("\n")).toMatch(
      /Prometheus\.afterWorkerBoot failed: MetricsServerError: cannot serve metrics on 127\.0\.0\.1:\d+: .*EADDRINUSE/,
    );
  });
});
