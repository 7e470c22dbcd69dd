import { actor, ConnectionError, currentMessage, pipeline, Worker } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { testBroker } from "./support.js";

const idOf = () => currentMessage().message.messageId;

describe("TestBroker faults", () => {
  it("failNextEnqueues: the next sends reject with ConnectionError and store nothing; then sends work again", async () => {
    const { broker } = testBroker();
    const email = actor("send_email", (_to: string) => {}, { broker });
    broker.faults.failNextEnqueues(2);
    await expect(email.send("a@b.c")).rejects.toBeInstanceOf(ConnectionError);
    await expect(email.sendMany([["b@b.c"], ["c@b.c"]])).rejects.toBeInstanceOf(ConnectionError);
    expect(broker.sent()).toEqual([]);
    expect((await broker.queueStats("default")).ready).toBe(0);
    await email.send("d@b.c");
    expect(broker.sent(email).map((m) => m.args)).toEqual([["d@b.c"]]);
  });

  it("failNextEnqueues: a step whose successor cannot be enqueued is not acked, and runs again after the give-back pauses, on the virtual clock", async () => {
    const { broker, logs } = testBroker();
    const runs: string[] = [];
    const reserve = actor(
      "reserve",
      (seat: string) => {
        runs.push(idOf());
        return `${seat}-held`;
      },
      { broker },
    );
    const confirmed: unknown[] = [];
    const confirm = actor("confirm", (seat: string, held: string) => void confirmed.push([seat, held]), { broker });
    await pipeline([reserve.message("12A"), confirm.message("12A")]).run();
    broker.faults.failNextEnqueues(2);
    const summary = await broker.drain();
    expect(runs).toHaveLength(3);
    expect(new Set(runs).size).toBe(1);
    expect(confirmed).toEqual([["12A", "12A-held"]]);
    // Give-back pauses of 250 then 500 ms (faults close together are one outage), both virtual.
    expect(summary).toEqual({ processed: 4, succeeded: 4, failed: 0, retried: 0, deadLettered: 0, virtualTimeMs: 750 });
    expect(logs.filter((line) => line.includes("is not acked"))).toHaveLength(2);
  });

  it("failNextEnqueues: a delayed message whose move to its queue fails stays delayed and moves again", async () => {
    const { broker } = testBroker();
    const ranAt: number[] = [];
    const start = broker.clock.now();
    const later = actor("later", () => void ranAt.push(broker.clock.now() - start), { broker });
    await later.sendWithOptions({ args: [], delay: 60_000 });
    broker.faults.failNextEnqueues(1);
    const summary = await broker.drain();
    expect(ranAt).toEqual([60_000]);
    expect(summary.processed).toBe(1);
  });

  it("deliverTwice: the message comes again once its first delivery is settled, with the same message_id", async () => {
    const { broker } = testBroker();
    const runs: string[] = [];
    const charged = new Set<string>();
    const charge = actor(
      "charge",
      (_cents: number) => {
        runs.push(idOf());
        // The idempotent actor this fault is for: a second delivery charges nothing more.
        charged.add(idOf());
      },
      { broker },
    );
    const other = actor("other", () => {}, { broker });
    broker.faults.deliverTwice(charge);
    const sent = await charge.send(500);
    await other.send();
    await charge.send(700);
    const summary = await broker.drain();
    expect(runs).toEqual([sent.messageId, expect.any(String), sent.messageId]);
    expect(charged.size).toBe(2);
    expect(summary.processed).toBe(4);
  });

  it("crashWorker: the worker dies before the ack; the message and every other one it held are delivered again", async () => {
    const { broker } = testBroker();
    const runs: [number, string][] = [];
    const work = actor("work", (n: number) => void runs.push([n, idOf()]), { broker });
    const first = await work.send(1);
    await work.sendMany([[2], [3]]);
    await work.sendWithOptions({ args: [4], delay: 1_000 });
    broker.faults.crashWorker(work);
    const summary = await broker.drain({ concurrency: 1 });
    expect(runs.map(([n]) => n)).toEqual([1, 1, 2, 3, 4]);
    expect(runs[0][1]).toBe(first.messageId);
    expect(runs[1][1]).toBe(first.messageId);
    expect(summary).toMatchObject({ processed: 5, succeeded: 5, deadLettered: 0, virtualTimeMs: 1_000 });
  });

  it("crashWorker: a worker of your own is gone after the crash, and a new one runs the message again", async () => {
    const { broker } = testBroker();
    const runs: string[] = [];
    const work = actor("work", () => void runs.push(idOf()), { broker });
    const crashed = new Worker(broker, { workerTimeout: 20 });
    await crashed.start();
    broker.faults.crashWorker(work);
    await work.send();
    while (crashed.isRunning) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(runs).toHaveLength(1);
    const fresh = new Worker(broker, { workerTimeout: 20 });
    await fresh.start();
    await broker.join("default", { timeout: 5_000 });
    await fresh.stop();
    expect(runs).toHaveLength(2);
    expect(runs[0]).toBe(runs[1]);
  });
});
