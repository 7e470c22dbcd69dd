import { assertKnownOptions, optionKeys, type Transport } from "@troupe/core";
import { afterEach, beforeEach, describe } from "vitest";
import { atomicMoveConformance } from "./conformance/transport/atomic-move.js";
import { contractConformance } from "./conformance/transport/contract.js";
import { crashRecoveryConformance } from "./conformance/transport/crash-recovery.js";
import { deadLetterConformance } from "./conformance/transport/dead-letters.js";
import { delayQueueConformance } from "./conformance/transport/delay-queue.js";
import { priorityConformance } from "./conformance/transport/priorities.js";
import { publishFetchConformance } from "./conformance/transport/publish-fetch.js";
import { purgeConformance } from "./conformance/transport/purge.js";
import { queueStatsConformance } from "./conformance/transport/queue-stats.js";
import { transportScope } from "./conformance/transport/scope.js";
import { settlementConformance } from "./conformance/transport/settlement.js";
import { wakeUpConformance } from "./conformance/transport/wake-ups.js";

/** How `transportConformance` reaches and ends the transports under test. */
export interface TransportConformanceOptions {
  /**
   * Another process on the same backend as `transport`. Defaults to calling `makeTransport`
   * again; a transport whose backend lives inside it (in memory) returns `transport` itself.
   */
  peer?(transport: Transport): Transport | Promise<Transport>;
  /**
   * Ends `transport` as a killed process would: its connections drop, it settles, closes and
   * renews nothing. Required when `capabilities.crashRecovery` is not `"none"`.
   */
  crash?(transport: Transport): void | Promise<void>;
  /**
   * How long (ms) the deliveries of a crashed or closed reader may take to come back: with
   * `crashRecovery: "heartbeat"`, the heartbeat timeout the transport was made with plus a margin.
   * Default 5000.
   */
  recoveryTimeout?: number;
}

const OPTION_KEYS = optionKeys<TransportConformanceOptions>({ peer: true, crash: true, recoveryTimeout: true });

/**
 * The primitives every transport must provide, tested directly on the `Transport` contract
 * (no broker, no worker), so that a failure here points at the transport rather than at
 * core's runtime (which `brokerConformance` tests). `makeTransport` is called before each
 * test, and again whenever a test needs a second process (see `options.peer`); every
 * transport it returned is closed after the test, and every queue a test used is purged.
 *
 * Groups turn on and off by the transport's `capabilities` (read once, from a transport made
 * while the suite is collected): a group whose capability is false is not registered at all.
 *
 * @example
 * ```ts
 * transportConformance("postgresql", () => new PgTransport({ connectionString, leaseMs: 1_500 }), {
 *   crash: (transport) => (transport as PgTransport).close(true), // connections dropped, leases left to run out
 *   recoveryTimeout: 4_500,
 * });
 * ```
 */
export function transportConformance(
  name: string,
  makeTransport: () => Transport | Promise<Transport>,
  options: TransportConformanceOptions = {},
): void {
  assertKnownOptions("transportConformance", options, OPTION_KEYS);
  describe(`${name} transport conformance`, async () => {
    const probe = await makeTransport();
    const capabilities = probe.capabilities;
    await probe.close();
    const scope = transportScope(makeTransport, options, capabilities);
    beforeEach(() => scope.open());
    afterEach(() => scope.close());

    contractConformance(scope);
    publishFetchConformance(scope);
    settlementConformance(scope);
    delayQueueConformance(scope);
    purgeConformance(scope);
    if (capabilities.crashRecovery !== "none") crashRecoveryConformance(scope);
    if (capabilities.wakeUps) wakeUpConformance(scope);
    if (capabilities.deadLetters) deadLetterConformance(scope);
    if (capabilities.priorities) priorityConformance(scope);
    if (capabilities.queueStats) queueStatsConformance(scope);
    if (capabilities.atomicMove) atomicMoveConformance(scope);
  });
}
