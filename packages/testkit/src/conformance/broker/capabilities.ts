import type { BrokerCapabilities } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../../broker-conformance.js";

/** The capabilities a target states, written down beside it, must be its brokers': else the wrong groups would run. */
export function capabilityConformance(scope: ConformanceScope, stated: BrokerCapabilities): void {
  const normal = (capabilities: BrokerCapabilities) => ({ ...capabilities, deadLetters: capabilities.deadLetters ?? true });
  describe("capabilities", () => {
    it("its brokers have the capabilities the target states", async () => {
      const broker = await scope.context().broker();
      expect(normal(broker.capabilities)).toEqual(normal(stated));
    });
  });
}
