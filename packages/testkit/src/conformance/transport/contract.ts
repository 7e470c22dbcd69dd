import { describe, expect, it } from "vitest";
import type { TransportScope } from "./scope.js";

const RECOVERY = ["redelivery", "heartbeat", "none"];
const FLAGS = ["priorities", "wakeUps", "queueStats", "deadLetters", "atomicMove"] as const;

/** The transport says which contract it implements and what it can do, and implements what it claims. */
export function contractConformance(scope: TransportScope): void {
  describe("contract", () => {
    it('implements specification version "v1" and names its system', () => {
      const transport = scope.transport();
      expect(transport.specificationVersion).toBe("v1");
      expect(typeof transport.system).toBe("string");
      expect(transport.system.length).toBeGreaterThan(0);
    });

    it("declares every capability, and implements the optional operations its capabilities claim", async () => {
      const transport = scope.transport();
      const { capabilities } = transport;
      expect(RECOVERY).toContain(capabilities.crashRecovery);
      for (const flag of FLAGS) expect(typeof capabilities[flag], flag).toBe("boolean");
      if (capabilities.queueStats) expect(typeof transport.stats).toBe("function");
      if (capabilities.deadLetters) {
        expect(typeof transport.listDeadLetters).toBe("function");
        expect(typeof transport.deleteDeadLetters).toBe("function");
        expect(typeof transport.purgeDeadLetters).toBe("function");
      }
      const reader = await scope.reader(await scope.queue());
      if (capabilities.wakeUps) expect(typeof reader.onReady).toBe("function");
    });

    it("a reader is alive while it is open", async () => {
      const reader = await scope.reader(await scope.queue());
      expect(reader.alive).toBe(true);
      await reader.fetch(1, []);
      expect(reader.alive).toBe(true);
    });
  });
}
