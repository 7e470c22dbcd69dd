import { describe, expect, it } from "vitest";
import { actor, MemoryBroker, MemoryResultBackend, Results, Worker } from "../src/index.js";

describe("smoke", () => {
  it("runs an actor and stores its result", async () => {
    const broker = new MemoryBroker();
    broker.addMiddleware(new Results({ backend: new MemoryResultBackend() }));
    const add = actor("add", async (x: number, y: number) => x + y, { broker, storeResults: true });
    const worker = new Worker(broker, { concurrency: 4 });
    await worker.start();
    const message = await add.send(1, 2);
    expect(await message.getResult({ block: true, timeout: 2000 })).toBe(3);
    await worker.stop();
  });
});
