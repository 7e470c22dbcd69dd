import { describe, expect, it } from "vitest";
import { actor, currentMessage, type MemoryBroker } from "../src/index.js";
import { whoAmI } from "./fixtures/thread-actors.mjs";
import { until, useHarness } from "./harness.js";
import { recordRuns } from "./thread-harness.js";

/** Hands the queue's next message to a reader that then dies, as a dropped connection would: the message comes back redelivered. */
async function deliverAndDrop(broker: MemoryBroker, queueName: string): Promise<void> {
  const reader = broker.transport.openReader(queueName, { prefetch: 1 });
  const [taken] = await reader.fetch(1, []);
  expect(taken.redelivered).toBe(false);
  reader.kill();
}

describe("currentMessage().redelivered", () => {
  const current = useHarness();

  it("is false on a first delivery and true on a copy a dead consumer had", async () => {
    const h = current();
    const seen: { tag: string; redelivered: boolean }[] = [];
    const record = actor("record", (tag: string) => void seen.push({ tag, redelivered: currentMessage().redelivered }), {
      broker: h.broker,
    });
    await record.send("again");
    await deliverAndDrop(h.broker, "default");
    await record.send("first");
    await h.start({ concurrency: 1 });
    await until(() => seen.length === 2, "both ran");
    expect(seen).toEqual([
      { tag: "again", redelivered: true },
      { tag: "first", redelivered: false },
    ]);
  });

  it("is true when the worker's own consumer dropped the message it was running", async () => {
    const h = current();
    const runs: boolean[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gated = actor(
      "gated",
      async () => {
        runs.push(currentMessage().redelivered);
        if (runs.length === 1) await gate;
      },
      { broker: h.broker },
    );
    await h.start({ concurrency: 2 });
    await gated.send();
    await until(() => runs.length === 1, "the first run started");
    h.broker.simulateCrash();
    await until(() => runs.length === 2, "the message came back and ran again");
    release();
    expect(runs).toEqual([false, true]);
  });

  it("reaches a thread actor too", async () => {
    const h = current();
    const runs = recordRuns(h.broker, whoAmI);
    await h.broker.enqueue(whoAmI.message());
    await deliverAndDrop(h.broker, "default");
    await h.broker.enqueue(whoAmI.message());
    await h.start({ concurrency: 1, threads: 1 });
    await until(() => runs.length === 2, "both ran");
    expect(runs.map((run) => (run.outcome.result as { redelivered: boolean }).redelivered)).toEqual([true, false]);
  });
});
