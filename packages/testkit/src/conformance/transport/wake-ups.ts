import { describe, expect, it } from "vitest";
import { eventually, sleep } from "../../helpers.js";
import { outgoing, type TransportScope } from "./scope.js";

/** A reader calls its `onReady` listener when messages may have arrived (capability: wakeUps). */
export function wakeUpConformance(scope: TransportScope): void {
  describe("wake-ups (capability: wakeUps)", () => {
    it("onReady fires after a publish on the reader's queue", async () => {
      const queueName = await scope.queue();
      const reader = await scope.reader(queueName);
      let calls = 0;
      const stop = reader.onReady?.(() => void calls++);
      await scope.transport().publish([outgoing(queueName, "wake")]);
      await eventually(() => calls > 0, "onReady fired", 5_000);
      stop?.();
    });

    it("onReady fires after a publish by another process", async () => {
      const queueName = await scope.queue();
      const reader = await scope.reader(queueName);
      let calls = 0;
      const stop = reader.onReady?.(() => void calls++);
      const other = await scope.peer();
      await other.declareQueue?.(queueName);
      await other.publish([outgoing(queueName, "wake")]);
      await eventually(() => calls > 0, "onReady fired", 5_000);
      stop?.();
    });

    it("the function onReady returns stops the listener", async () => {
      const queueName = await scope.queue();
      const reader = await scope.reader(queueName);
      let calls = 0;
      const stop = reader.onReady?.(() => void calls++);
      await scope.transport().publish([outgoing(queueName, "first")]);
      await eventually(() => calls > 0, "onReady fired", 5_000);
      stop?.();
      // Not even a late wake-up of the first publish may reach a stopped listener.
      const before = calls;
      await scope.transport().publish([outgoing(queueName, "second")]);
      await sleep(500);
      expect(calls).toBe(before);
    });
  });
}
