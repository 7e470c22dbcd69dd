import { actor, consoleLogger, DuplicateActor, MemoryBroker, type TroupeError, Worker, WorkerJoinTimeout } from "@troupe/core";
import { TestBroker } from "@troupe/core/testing";
import { afterEach, describe, expect, it } from "vitest";

const quiet = consoleLogger("silent");
const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop({ timeout: 100 })));
});

async function started(broker: MemoryBroker): Promise<Worker> {
  const worker = new Worker(broker, { workerTimeout: 20 });
  workers.push(worker);
  await worker.start();
  return worker;
}

describe("MemoryBroker.join", () => {
  it("fails fast by default, as Dramatiq 2's StubBroker.join: it rejects with the dead-lettered message's error", async () => {
    const broker = new MemoryBroker({ logger: quiet });
    const thrown = new RangeError("out of range");
    const bad = actor(
      "bad",
      () => {
        throw thrown;
      },
      { broker, maxRetries: 0 },
    );
    await started(broker);
    await bad.send();
    await expect(broker.join("default", { timeout: 5_000 })).rejects.toBe(thrown);
  });

  it("with failFast: false, waits through dead letters until the queue is empty", async () => {
    const broker = new MemoryBroker({ logger: quiet });
    const bad = actor(
      "bad",
      () => {
        throw new Error("no");
      },
      { broker, maxRetries: 0 },
    );
    await started(broker);
    await bad.sendMany([[], []]);
    await broker.join("default", { timeout: 5_000, failFast: false });
    expect(broker.deadLetters).toHaveLength(2);
  });
});

describe("Worker.join", () => {
  it("waits for delayed messages due within its timeout", async () => {
    const broker = new MemoryBroker({ logger: quiet });
    const ran: string[] = [];
    const note = actor("note", (tag: string) => void ran.push(tag), { broker });
    const worker = await started(broker);
    await note.send("now");
    await note.sendWithOptions({ args: ["soon"], delay: 50 });
    await note.sendWithOptions({ args: ["much later"], delay: 600_000 });
    await new Promise((resolve) => setImmediate(resolve));
    // Were it waiting for the one due in 10 minutes too, it would reject with WorkerJoinTimeout.
    await worker.join({ timeout: 3_000 });
    expect(ran).toEqual(["now", "soon"]);
  });

  it("counts the delay on the broker's clock: on a TestBroker it waits until the virtual time passes", async () => {
    const broker = new TestBroker({ logger: quiet });
    const ran: string[] = [];
    const note = actor("note", (tag: string) => void ran.push(tag), { broker });
    const worker = await started(broker);
    await note.sendWithOptions({ args: ["in 10 minutes"], delay: 600_000 });
    await new Promise((resolve) => setImmediate(resolve));
    const joined = worker.join({ timeout: 900_000 });
    expect(ran).toEqual([]);
    broker.clock.advance(600_000);
    await joined;
    expect(ran).toEqual(["in 10 minutes"]);
  });

  it("rejects with WorkerJoinTimeout when the work outlasts its timeout", async () => {
    const broker = new MemoryBroker({ logger: quiet });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const waits = actor("waits", () => gate, { broker });
    const worker = await started(broker);
    await waits.send();
    await new Promise((resolve) => setImmediate(resolve));
    const error = await worker.join({ timeout: 30 }).catch((e: unknown) => e);
    expect(WorkerJoinTimeout.isInstance(error)).toBe(true);
    release();
    await worker.join();
  });
});

describe("declaring actors", () => {
  it("refuses a second, different actor under a taken name with DuplicateActor, keeping the first", () => {
    const broker = new MemoryBroker({ logger: quiet });
    const first = actor("work", () => "first", { broker });
    let error: unknown;
    try {
      actor("work", () => "second", { broker });
    } catch (e) {
      error = e;
    }
    expect(DuplicateActor.isInstance(error)).toBe(true);
    expect((error as TroupeError).code).toBe("DUPLICATE_ACTOR");
    expect((error as Error).message).toContain('"work"');
    expect(broker.getActor("work")).toBe(first);
  });

  it("takes the same actor declared again, and the same name on another broker", () => {
    const broker = new MemoryBroker({ logger: quiet });
    const work = actor("work", () => {}, { broker });
    broker.declareActor(work);
    expect(broker.getActor("work")).toBe(work);
    const other = new MemoryBroker({ logger: quiet });
    expect(() => actor("work", () => {}, { broker: other })).not.toThrow();
  });
});
