import { afterEach, beforeEach, describe } from "vitest";
import type { BrokerTarget, BrokerTestContext } from "./broker-target.js";
import { deliveryConformance } from "./conformance/delivery.js";
import { failureConformance } from "./conformance/failures.js";
import { lifecycleConformance } from "./conformance/lifecycle.js";
import { poisonConformance } from "./conformance/poison.js";
import { schedulingConformance } from "./conformance/scheduling.js";

/** What each group of conformance tests receives: the target and the running test's context. */
export interface ConformanceScope {
  /** The context of the running test. */
  context(): BrokerTestContext;
  /** The broker under test. */
  target: BrokerTarget;
}

/**
 * The behaviour every Troupe broker must show. Broker packages call this once
 * with their target; test groups turn on and off by the broker's capabilities.
 */
export function brokerConformance(target: BrokerTarget): void {
  describe(`${target.name} broker conformance`, () => {
    let current: BrokerTestContext | undefined;
    beforeEach(async () => {
      current = await target.open();
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });
    const scope: ConformanceScope = {
      target,
      context: () => {
        if (!current) throw new Error("no test context open");
        return current;
      },
    };
    deliveryConformance(scope);
    failureConformance(scope);
    poisonConformance(scope);
    schedulingConformance(scope);
    lifecycleConformance(scope);
  });
}

export type { BrokerTarget, BrokerTestContext };
