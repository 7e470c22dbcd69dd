import { randomUUID } from "node:crypto";
import { RabbitmqBroker } from "@troupe/broker-rabbitmq";
import { type Broker, Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { fixture, type Space, space, troupe, until } from "./helpers.js";

const RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672";

/**
 * 100 ordinary messages with one that blocks the event loop on every delivery, under
 * `troupe worker --processes 2` with a 1 s watchdog: every ordinary one runs, and the
 * blocking one is dead-lettered after --max-blocks (2) kills, with the reason.
 */
async function poisonRun(s: Space, broker: Broker, env: Record<string, string>): Promise<void> {
  const work = Array.from({ length: 100 }, (_, n) => new Message({ queueName: s.queue, actorName: "work", args: [n] }));
  const spin = new Message({ queueName: s.queue, actorName: "spin", args: [] });
  await broker.enqueueMany([...work.slice(0, 10), spin, ...work.slice(10)]);
  const args = ["worker", fixture("poison.mjs"), "--processes", "2", "--concurrency", "4", "--watchdog-timeout", "1000"];
  const worker = troupe(args, { ...s.env, ...env });
  await until(async () => {
    const { deadLetters } = await broker.queueStats(s.queue);
    // An ordinary message among the dead letters would never let the run complete: fail at once.
    if (deadLetters > 1) throw new Error(`${deadLetters} dead letters:\n${worker.stdout}\n${worker.stderr}`);
    return deadLetters === 1 && (await s.members("done")).length === 100;
  }, worker);
  worker.proc.kill("SIGTERM");
  expect(await worker.exit).toBe(0);

  expect(await s.counter("runs")).toBeGreaterThanOrEqual(100);
  // It ran (and blocked a process) exactly --max-blocks times; the third delivery never ran.
  expect(await s.counter("spins")).toBe(2);
  const [dead] = await broker.listDeadLetters(s.queue);
  expect(dead.message?.messageId).toBe(spin.messageId);
  const output = worker.stdout + worker.stderr;
  expect(output).toContain(`message ${spin.messageId} (spin) was running: kill 2 of --max-blocks 2`);
  expect(output).toMatch(new RegExp(`dead-lettering .*${spin.messageId}.*: it blocked the event loop for \\d+ ms in spin`));
  expect(await broker.queueStats(s.queue)).toMatchObject({ ready: 0, delayed: 0 });
}

describe("a message that blocks the event loop on every delivery", () => {
  it("is dead-lettered after --max-blocks watchdog kills on Redis, and the other 100 all run", async () => {
    const s = space();
    await poisonRun(s, s.broker, { TEST_BROKER: "redis", TEST_HEARTBEAT_TIMEOUT: "1500" });
  }, 90_000);

  it("is dead-lettered after --max-blocks watchdog kills on RabbitMQ, and the other 100 all run", async () => {
    const s = space(`troupe-poison-${randomUUID()}`);
    const broker = new RabbitmqBroker({ url: RABBITMQ_URL });
    try {
      await poisonRun(s, broker, { TEST_BROKER: "rabbitmq" });
    } finally {
      await broker.flush(s.queue).catch(() => {});
      await broker.close();
    }
  }, 90_000);
});
