import { randomUUID } from "node:crypto";
import { RabbitmqBroker } from "@troupe/broker-rabbitmq";
import { type Broker, Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { fixture, type Space, space, troupe, until } from "./helpers.js";

const RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672";
const COUNT = 400;
const WORKER = ["worker", fixture("tally.mjs"), "--processes", "2", "--concurrency", "4"];

interface Outcome {
  lost: string[];
  duplicated: string[];
  /** Messages whose actor had started and which were not acked when the first run stopped. */
  inFlightAtStop: string[];
}

/**
 * Sends COUNT messages of 50 ms each to `troupe worker --processes 2`, stops it mid-run
 * with one SIGTERM (graceful) or two (the second kills the worker processes), then lets
 * a second run drain the queue, and counts per message how often its actor finished.
 */
async function stopMidRun(s: Space, broker: Broker, env: Record<string, string>, signals: 1 | 2): Promise<Outcome> {
  const all = Array.from({ length: COUNT }, (_, n) => String(n));
  await broker.enqueueMany(all.map((n) => new Message({ queueName: s.queue, actorName: "tally", args: [Number(n), 50] })));
  const runs = async () => s.redis.hgetall(`${s.ns}:test:runs`);
  const first = troupe(WORKER, { ...s.env, ...env });
  await until(async () => Object.keys(await runs()).length >= 60, first);
  first.proc.kill("SIGTERM");
  if (signals === 2) {
    await first.waitForOutput(/SIGTERM: stopping gracefully/);
    first.proc.kill("SIGTERM");
  }
  expect(await first.exit).toBe(signals === 1 ? 0 : 1);
  const starts = await s.redis.hgetall(`${s.ns}:test:starts`);
  const acked = new Set(await s.members("acked"));
  // afterAck fires once the ack is queued; one the kill cut before it reached Redis leaves the
  // message in its worker's ack set, so it is still in flight there and runs again.
  const unackedOnRedis = env.TEST_BROKER === "redis" ? await argsInAckSets(s) : new Set<string>();
  const inFlightAtStop = Object.keys(starts).filter((n) => !acked.has(n) || unackedOnRedis.has(n));

  const second = troupe(WORKER, { ...s.env, ...env });
  await until(async () => {
    if (Object.keys(await runs()).length < COUNT) return false;
    const stats = await broker.queueStats(s.queue);
    return stats.ready === 0 && (stats.inFlight ?? 0) === 0;
  }, second);
  second.proc.kill("SIGTERM");
  expect(await second.exit).toBe(0);
  const finished = await runs();
  return {
    lost: all.filter((n) => !finished[n]),
    duplicated: all.filter((n) => Number(finished[n]) > 1),
    inFlightAtStop,
  };
}

/** The first argument of every message a Redis worker holds unacked: the members of the ack sets. */
async function argsInAckSets(s: Space): Promise<Set<string>> {
  const ids: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await s.redis.scan(cursor, "MATCH", `${s.ns}:__acks__.*`, "COUNT", 1000);
    cursor = next;
    for (const key of keys) ids.push(...(await s.redis.smembers(key)));
  } while (cursor !== "0");
  if (ids.length === 0) return new Set();
  const payloads = await s.redis.hmget(`${s.ns}:${s.queue}.msgs`, ...ids);
  return new Set(payloads.flatMap((raw) => (raw ? [String(JSON.parse(raw).args[0])] : [])));
}

const brokers: [string, (s: Space) => Broker, Record<string, string>][] = [
  ["Redis", (s) => s.broker, { TEST_BROKER: "redis" }],
  ["RabbitMQ", () => new RabbitmqBroker({ url: RABBITMQ_URL }), { TEST_BROKER: "rabbitmq" }],
];

describe.each(brokers)("troupe worker --processes 2 stopped mid-run on %s", (name, makeBroker, env) => {
  const run = async (signals: 1 | 2) => {
    const s = name === "Redis" ? space() : space(`troupe-sigterm-${randomUUID()}`);
    const broker = makeBroker(s);
    try {
      return await stopMidRun(s, broker, env, signals);
    } finally {
      if (broker !== s.broker) {
        await broker.flush(s.queue).catch(() => {});
        await broker.close();
      }
    }
  };

  it("SIGTERM: nothing lost, nothing run twice", async () => {
    const outcome = await run(1);
    expect(outcome.lost).toEqual([]);
    expect(outcome.duplicated).toEqual([]);
  }, 120_000);

  it("double SIGTERM: nothing lost; only messages in flight at the kill ran twice", async () => {
    const outcome = await run(2);
    expect(outcome.lost).toEqual([]);
    expect(outcome.duplicated.filter((n) => !outcome.inFlightAtStop.includes(n))).toEqual([]);
    // The kill came while actors ran: the run had something in flight to lose.
    expect(outcome.inFlightAtStop.length).toBeGreaterThan(0);
  }, 120_000);
});
