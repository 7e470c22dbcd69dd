import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisBroker } from "@troupe/broker-redis";
import { Message } from "@troupe/core";
import { afterEach, describe, expect, it } from "vitest";
import { parseExposition, seriesOf, sumOf } from "./support/exposition-format.js";
import { fixture, type Troupe, troupe } from "./support/troupe-process.js";
import { scrape, until } from "./support/workload.js";

const RUNNING = /2 worker process\(es\) running: (\d+), (\d+)/;
const SERVING = /serving the metrics of all worker processes on (http:\/\/\S+)/;

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh namespace, queue and temp dir; a producer broker; a `troupe worker --processes 2` on the fixture. */
async function startCluster(): Promise<{ worker: Troupe; producer: RedisBroker; queue: string; pids: number[]; url: string; dir: string }> {
  const ns = `troupe-prometheus-test-${randomUUID()}`;
  const queue = `metrics-${randomUUID()}`;
  const dir = mkdtempSync(join(tmpdir(), "troupe-prometheus-"));
  const producer = new RedisBroker({ url: "redis://127.0.0.1:6379", namespace: ns });
  cleanups.push(async () => {
    await deleteNamespace(producer, ns);
    await producer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const env = { TEST_NS: ns, TEST_QUEUE: queue, TEST_PID_FILE: join(dir, "pids"), TEST_HANG_FILE: join(dir, "hang") };
  const worker = troupe(["worker", fixture("metrics-tasks.mjs"), "--processes", "2", "--concurrency", "2"], env);
  cleanups.push(async () => {
    if (worker.proc.exitCode !== null || worker.proc.signalCode !== null) return;
    worker.proc.kill("SIGTERM");
    await worker.exit;
  });
  const [, first, second] = await worker.waitForOutput(RUNNING);
  const [, url] = await worker.waitForOutput(SERVING);
  return { worker, producer, queue, pids: [Number(first), Number(second)], url, dir };
}

async function deleteNamespace(broker: RedisBroker, ns: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await broker.client.scan(cursor, "MATCH", `${ns}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await broker.client.del(...keys);
  } while (cursor !== "0");
}

const send = (producer: RedisBroker, queueName: string, actorName: string, times: number) =>
  producer.enqueueMany(Array.from({ length: times }, () => new Message({ queueName, actorName, args: [] })));

describe("Prometheus under troupe worker --processes 2", () => {
  it("serves one aggregate of both processes on the supervisor's port, with exact totals", async () => {
    const { producer, queue, pids, url, dir } = await startCluster();
    await send(producer, queue, "ok", 20);
    await send(producer, queue, "flaky", 4);
    await send(producer, queue, "bad", 2);
    await producer.join(queue, { timeout: 60_000 });

    const { status, body } = await scrape(url);
    expect(status).toBe(200);
    const metrics = parseExposition(body);
    const at = (name: string, actorName: string) => sumOf(metrics, name, { queue_name: queue, actor_name: actorName });
    const perActor = (name: string) => [at(name, "ok"), at(name, "flaky"), at(name, "bad")];

    expect(perActor("dramatiq_messages_total")).toEqual([20, 8, 6]);
    expect(perActor("dramatiq_message_errors_total")).toEqual([0, 4, 6]);
    expect(perActor("dramatiq_message_retries_total")).toEqual([0, 4, 4]);
    expect(perActor("dramatiq_message_rejects_total")).toEqual([0, 0, 2]);
    expect(perActor("dramatiq_message_duration_milliseconds_count")).toEqual([20, 8, 6]);
    expect(sumOf(metrics, "dramatiq_messages_inprogress")).toBe(0);
    expect(sumOf(metrics, "dramatiq_delayed_messages_inprogress")).toBe(0);

    // Queue depths come from one process: one series per queue, not a sum over both processes.
    for (const [name, value] of [
      ["dramatiq_queue_ready_messages", 0],
      ["dramatiq_queue_delayed_messages", 0],
      ["dramatiq_queue_dead_letter_messages", 2],
    ] as const) {
      expect(seriesOf(metrics, name).filter((sample) => sample.labels.queue_name === queue)).toEqual([
        { name, labels: { queue_name: queue }, value },
      ]);
    }

    const workedIn = new Set(readFileSync(join(dir, "pids"), "utf8").trim().split("\n").map(Number));
    expect([...workedIn].sort()).toEqual([...pids].sort());
  });

  it("leaves out a dead process: its in-progress gauge does not linger", async () => {
    const { worker, producer, queue, pids, url, dir } = await startCluster();
    await send(producer, queue, "hang", 1);
    const hangFile = join(dir, "hang");
    await until(() => existsSync(hangFile));
    const victim = Number(readFileSync(hangFile, "utf8").trim());
    expect(pids).toContain(victim);

    const inProgress = async () => sumOf(parseExposition((await scrape(url)).body), "dramatiq_messages_inprogress", { actor_name: "hang" });
    expect(await inProgress()).toBe(1);

    process.kill(victim, "SIGKILL");
    await worker.waitForOutput(new RegExp(`worker process ${victim} was killed by SIGKILL; restarting it`));
    expect(await inProgress()).toBe(0);
  });
});
