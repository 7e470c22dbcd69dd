import { actor, currentMessage, Worker } from "@troupe/core";
import { eventually, uniqueQueue } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { RabbitmqBroker } from "../src/index.js";
import { deleteQueues, RABBITMQ_URL } from "./support/amqp.js";
import { spawnFixture, waitForLine } from "./support/child.js";
import { Runs } from "./support/runs.js";

describe("crash recovery", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("a worker process killed with SIGKILL while holding 1 000 messages loses none: another worker runs them all", async () => {
    const queueName = uniqueQueue("rmq_crash");
    const broker = new RabbitmqBroker({ url: RABBITMQ_URL });
    cleanup.push(async () => {
      await broker.close();
      await deleteQueues([queueName]);
    });
    const seen = new Set<string>();
    const hold = actor("hold", () => void seen.add(currentMessage().message.messageId), { broker, queueName });
    const sent = await hold.sendMany(Array.from({ length: 1000 }, () => []));

    const child = spawnFixture("holding-worker.ts", [RABBITMQ_URL, queueName, "1000"]);
    cleanup.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    await waitForLine(child, "started");
    // Every message is delivered to the child and unacked there once none is ready.
    await eventually(async () => (await broker.queueStats(queueName)).ready === 0, "the child holds all 1 000 messages", 20_000);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const worker = new Worker(broker, { concurrency: 50, queues: [queueName], workerTimeout: 100 });
    cleanup.push(() => worker.stop());
    await worker.start();
    await eventually(() => seen.size === 1000, "all 1 000 messages ran again", 30_000);
    await broker.join(queueName, { timeout: 10_000 });
    expect([...seen].sort()).toEqual(sent.map((m) => m.messageId).sort());
    expect((await broker.queueStats(queueName)).deadLetters).toBe(0);
  });

  it("a worker process killed with SIGKILL mid-run loses nothing, and what runs twice is exactly what it was running or had not yet acked", async () => {
    const queueName = uniqueQueue("rmq_kill");
    const broker = new RabbitmqBroker({ url: RABBITMQ_URL });
    cleanup.push(async () => {
      await broker.close();
      await deleteQueues([queueName]);
    });
    const runs = new Runs();
    const report = actor("report", runs.record, { broker, queueName });
    const sent = await report.sendMany(Array.from({ length: 2000 }, () => []));

    const child = spawnFixture("reporting-worker.ts", [RABBITMQ_URL, queueName, "20"]);
    cleanup.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    const started = new Set<string>();
    const done = new Set<string>();
    let partial = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const [what, id] = line.split(" ");
        if (what === "start") started.add(id);
        if (what === "done") done.add(id);
      }
    });
    await waitForLine(child, "started");
    await eventually(() => done.size >= 300, "the child finished 300 messages", 20_000);
    // Frozen first, so what it reported is all it did; its last lines reach us before the kill.
    child.kill("SIGSTOP");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const running = [...started].filter((id) => !done.has(id));
    const finished = new Set(done);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const worker = new Worker(broker, { concurrency: 50, queues: [queueName], workerTimeout: 100 });
    cleanup.push(() => worker.stop());
    await worker.start();
    const ran = (id: string) => finished.has(id) || runs.has(id);
    await eventually(() => sent.every((m) => ran(m.messageId)), "every message ran", 30_000);
    await broker.join(queueName, { timeout: 10_000 });
    const again = [...started].filter((id) => runs.has(id));
    const unacked = again.filter((id) => finished.has(id));
    console.log(
      `SIGKILL mid-run: ${running.length} running at the kill, ${again.length} ran again (${unacked.length} had finished, ack not yet sent)`,
    );

    expect(sent.filter((m) => !ran(m.messageId))).toEqual([]);
    expect(runs.duplicates()).toEqual([]);
    // Every message it was running comes back; besides them, only messages it finished within the last
    // event-loop turn (whose acks had not left, at most one per slot) run again.
    expect(running.length).toBeGreaterThan(0);
    expect(running.filter((id) => !runs.has(id))).toEqual([]);
    expect(unacked.length).toBeLessThanOrEqual(10);
    expect(runs.size + finished.size - unacked.length).toBe(sent.length);
  }, 60_000);
});
