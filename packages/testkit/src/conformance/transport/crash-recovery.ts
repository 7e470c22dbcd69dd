import { describe, expect, it } from "vitest";
import { take } from "./reading.js";
import { outgoing, type TransportScope, text } from "./scope.js";

/**
 * The deliveries a killed process held come back to another process: at once on redelivery
 * transports, after the heartbeat timeout (`options.recoveryTimeout`) on heartbeat ones.
 * Registered when `capabilities.crashRecovery` is not `"none"`.
 */
export function crashRecoveryConformance(scope: TransportScope): void {
  const { crashRecovery } = scope.capabilities;
  if (!scope.options.crash) {
    throw new Error(
      `transportConformance: capabilities.crashRecovery is "${crashRecovery}", so options.crash must say how to crash a transport`,
    );
  }
  const when = crashRecovery === "heartbeat" ? "after the heartbeat timeout" : "at once";

  describe(`crash recovery (capability: crashRecovery "${crashRecovery}")`, () => {
    it(`a crashed process's unsettled deliveries come back to another process ${when}`, async () => {
      const queueName = await scope.queue();
      const doomed = scope.transport();
      await doomed.publish(["a", "b", "c", "d"].map((data) => outgoing(queueName, data)));
      const reader = await scope.reader(queueName);
      const [settled, ...held] = await take(reader, 4, { max: 10 });
      await reader.ack([settled.handle]);
      await scope.crash(doomed);

      const survivor = await scope.peer();
      const again = await take(await scope.reader(queueName, 100, survivor), 3, { max: 10, timeout: scope.recoveryTimeout });
      expect(again.map((delivery) => text(delivery.data)).sort()).toEqual(held.map((delivery) => text(delivery.data)).sort());
    });
  });
}
