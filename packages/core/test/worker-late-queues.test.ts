import { describe, expect, it } from "vitest";
import { actor, type ConsumeOptions, type Consumer, MemoryBroker, Message, Worker } from "../src/index.js";
import { sleep, until, useHarness } from "./harness.js";

/** A memory broker that notes which physical queues its workers opened consumers of. */
class NotingBroker extends MemoryBroker {
  readonly consumed: string[] = [];
  override consume(queueName: string, options: ConsumeOptions): Consumer {
    this.consumed.push(queueName);
    return super.consume(queueName, options);
  }
}

describe("queues declared after the worker started", () => {
  const current = useHarness();

  it("are consumed without a restart, their delay queues too", async () => {
    const h = current();
    actor("early", () => {}, { broker: h.broker, queueName: "early_q" });
    await h.start();
    const ran: string[] = [];
    const late = actor("late", (tag: string) => void ran.push(tag), { broker: h.broker, queueName: "late_q" });
    await late.send("now");
    await late.sendWithOptions({ args: ["later"], delay: 50 });
    await until(() => ran.length === 2, "both messages of the late queue ran");
    expect(ran).toEqual(["now", "later"]);
  });

  it("include a queue an enqueue declares, once: declaring it again opens no second consumer", async () => {
    const broker = new NotingBroker();
    const worker = new Worker(broker, { workerTimeout: 50 });
    await worker.start();
    const ran: number[] = [];
    actor("anywhere", (n: number) => void ran.push(n), { broker });
    // The actor's own queue is "default": sending to another queue declares that one.
    await broker.enqueue(new Message({ queueName: "fresh_q", actorName: "anywhere", args: [1] }));
    await until(() => ran.length === 1, "the message on the queue the enqueue declared ran");
    broker.declareQueue("fresh_q");
    await sleep(50);
    await worker.stop();
    expect(broker.consumed.filter((name) => name.startsWith("fresh_q")).sort()).toEqual(["fresh_q", "fresh_q.DQ"]);
  });

  it("are left alone by a worker with a queues filter, and by a stopped worker", async () => {
    const broker = new NotingBroker();
    actor("listed", () => {}, { broker, queueName: "listed_q" });
    const filtered = new Worker(broker, { queues: ["listed_q"], workerTimeout: 50 });
    await filtered.start();
    const unfiltered = new Worker(broker, { workerTimeout: 50 });
    await unfiltered.start();
    await unfiltered.stop();
    const opened = broker.consumed.length;
    actor("unlisted", () => {}, { broker, queueName: "unlisted_q" });
    await sleep(100);
    await filtered.stop();
    expect(broker.consumed.slice(opened)).toEqual([]);
    expect(broker.consumed).not.toContain("unlisted_q");
  });
});
