import { actor, consoleLogger, group, pipeline } from "@troupe/core";
import { TestBroker } from "@troupe/core/testing";
import { expect, it } from "vitest";
import { since, testBroker } from "./support.js";

// Figures the testing docs quote: printed, not asserted (a loaded machine must not fail them).
// Run: cd packages/core && npx vitest run test/testing/figures.test.ts

it("prints how long 20 retries with the default backoff (15 s up to 7 days) take to reach the dead letters", async () => {
  const broker = new TestBroker({ logger: consoleLogger("silent") });
  const fails = actor(
    "fails",
    () => {
      throw new Error("always");
    },
    { broker },
  );
  await fails.send();
  const start = performance.now();
  const summary = await broker.drain({ failFast: false });
  const real = since(start);
  expect(summary).toMatchObject({ processed: 21, failed: 21, retried: 20, deadLettered: 1 });
  console.log(
    `figure: 20 retries (default backoff) dead-lettered after ${(summary.virtualTimeMs / 86_400_000).toFixed(1)} virtual days in ${real} ms real`,
  );
});

it("prints how long a 3-step pipeline with an hour's delay on each step, and a group of 100 with a completion callback, take", async () => {
  const { broker } = testBroker();
  const step = actor("step", (n: number) => n + 1, { broker, storeResults: true, resultTtl: 86_400_000 });
  const member = actor("member", (n: number) => n, { broker });
  const finished: number[] = [];
  const callback = actor("callback", () => void finished.push(1), { broker });
  const hour = 3_600_000;
  const flow = pipeline([
    step.message(0),
    step.messageWithOptions({ args: [], delay: hour }),
    step.messageWithOptions({ args: [], delay: hour }),
  ]);
  await flow.run({ delay: hour });
  await group(Array.from({ length: 100 }, (_, n) => member.message(n)))
    .addCompletionCallback(callback.message())
    .run();
  const start = performance.now();
  const summary = await broker.drain();
  const real = since(start);
  expect(await flow.getResult()).toBe(3);
  expect(finished).toEqual([1]);
  expect(summary).toMatchObject({ processed: 104, virtualTimeMs: 3 * hour });
  console.log(`figure: a 3-step pipeline with 1 h delays and a group of 100 with a callback drained in ${real} ms real`);
});
