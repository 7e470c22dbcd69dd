import type { BrokerCapabilities } from "@troupe/core";
import { afterEach, beforeEach, describe } from "vitest";
import type { BrokerTarget, BrokerTestContext } from "./broker-target.js";
import { capabilityConformance } from "./conformance/broker/capabilities.js";
import { consumerConformance } from "./conformance/broker/consumer.js";
import { crashRecoveryConformance } from "./conformance/broker/crash-recovery.js";
import { deadLetterConformance } from "./conformance/broker/dead-letters.js";
import { deliveryConformance } from "./conformance/broker/delivery.js";
import { failureConformance } from "./conformance/broker/failures.js";
import { joinConformance } from "./conformance/broker/join.js";
import { lifecycleConformance } from "./conformance/broker/lifecycle.js";
import { poisonConformance } from "./conformance/broker/poison.js";
import { priorityConformance } from "./conformance/broker/priorities.js";
import { schedulingConformance } from "./conformance/broker/scheduling.js";
import { staleConformance } from "./conformance/broker/stale.js";

/** What each group of conformance tests receives: the target, its brokers' capabilities and the running test's context. */
export interface ConformanceScope {
  /** The context of the running test. */
  context(): BrokerTestContext;
  /** The broker under test. */
  target: BrokerTarget;
  /** What its brokers can do (read from one while the suite is collected). */
  capabilities: BrokerCapabilities;
}

/**
 * The behaviour of core's runtime through a broker: workers, retries, delays, join,
 * dead letters and their requeue, idle ticks, wake-ups, stale deliveries, crash
 * recovery and hooks. Broker packages call this once with their target. The
 * transport's own primitives are `transportConformance`'s, so a failure here points
 * at the runtime (or at how the broker wires it), a failure there at the transport.
 *
 * Groups turn on and off by the brokers' `capabilities`, read from a broker of a
 * context opened while the suite is collected: a group whose capability is missing
 * is not registered. Counting and joining need `queueStats`; listing dead letters
 * needs `deadLetters` (absent: true); crash recovery needs a `crashRecovery` other than
 * `"none"`; native priorities need `priorities`; stale deliveries need `target.loseReaders`.
 */
export function brokerConformance(target: BrokerTarget): void {
  describe(`${target.name} broker conformance`, async () => {
    const probe = await target.open();
    const capabilities = (await probe.broker()).capabilities;
    await probe.close();
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
      capabilities,
      context: () => {
        if (!current) throw new Error("no test context open");
        return current;
      },
    };
    const { queueStats, deadLetters = true, crashRecovery, priorities } = capabilities;
    if (target.capabilities) capabilityConformance(scope, target.capabilities);
    consumerConformance(scope);
    schedulingConformance(scope);
    if (queueStats) {
      deliveryConformance(scope);
      failureConformance(scope);
      joinConformance(scope);
      lifecycleConformance(scope);
    }
    if (queueStats && deadLetters) {
      deadLetterConformance(scope);
      poisonConformance(scope);
    }
    if (priorities) priorityConformance(scope);
    if (crashRecovery !== "none") crashRecoveryConformance(scope);
    if (target.loseReaders) staleConformance(scope, target.loseReaders);
  });
}

export type { BrokerTarget, BrokerTestContext };
