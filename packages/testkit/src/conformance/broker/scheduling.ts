import { actor, currentMessage } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../../broker-conformance.js";
import { eventually, uniqueQueue } from "../../helpers.js";
import { startWorker } from "./fixtures.js";

/** Delays held and moved by the worker, eta order, and actor priorities among fetched messages. */
export function schedulingConformance(scope: ConformanceScope): void {
  describe("scheduling", () => {
    it("holds a delayed message until its eta, then runs it on the canonical queue with the same message id", async () => {
      const broker = await scope.context().broker();
      const queueName = uniqueQueue();
      const runs: { at: number; id: string; queue: string; eta: unknown }[] = [];
      const later = actor(
        "later",
        () => {
          const { message } = currentMessage();
          runs.push({ at: Date.now(), id: message.messageId, queue: message.queueName, eta: message.options.eta });
        },
        { broker, queueName },
      );
      const worker = await startWorker(broker, [queueName]);
      const sentAt = Date.now();
      const sent = await later.sendWithOptions({ args: [], delay: 400 });
      expect(sent.queueName).toBe(`${queueName}.DQ`);
      expect(typeof sent.options.eta).toBe("number");
      await eventually(() => runs.length === 1, "the delayed message ran");
      await worker.stop();
      expect(runs[0].at).toBeGreaterThanOrEqual(sentAt + 400);
      expect(runs[0].id).toBe(sent.messageId);
      expect(runs[0].queue).toBe(queueName);
      expect(runs[0].eta).toBeUndefined();
    });

    it("runs delayed messages in eta order", async () => {
      const broker = await scope.context().broker();
      const queueName = uniqueQueue();
      const order: string[] = [];
      const tag = actor("tag", (name: string) => void order.push(name), { broker, queueName });
      const worker = await startWorker(broker, [queueName], { concurrency: 1 });
      await tag.sendWithOptions({ args: ["third"], delay: 900 });
      await tag.sendWithOptions({ args: ["first"], delay: 300 });
      await tag.sendWithOptions({ args: ["second"], delay: 600 });
      await eventually(() => order.length === 3, "three delayed messages ran");
      await worker.stop();
      expect(order).toEqual(["first", "second", "third"]);
    });

    it("runs fetched messages by actor priority (lower first)", async () => {
      const broker = await scope.context().broker();
      const queueName = uniqueQueue();
      const order: string[] = [];
      const run = (name: string) => async () => {
        order.push(name);
        await new Promise((resolve) => setTimeout(resolve, 100));
      };
      const urgent = actor("urgent", run("urgent"), { broker, queueName, priority: 0 });
      const routine = actor("routine", run("routine"), { broker, queueName, priority: 10 });
      await routine.sendMany([[], []]);
      await urgent.sendMany([[], []]);
      const worker = await startWorker(broker, [queueName], { concurrency: 1, prefetch: 10 });
      await eventually(() => order.length === 4, "four messages ran");
      await worker.stop();
      expect(order.slice(1)).toEqual(order[0] === "urgent" ? ["urgent", "routine", "routine"] : ["urgent", "urgent", "routine"]);
    });
  });
}
