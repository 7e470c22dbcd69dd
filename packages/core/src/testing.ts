/**
 * Test helpers: `TestBroker`, a memory broker on a virtual clock whose `drain()` runs
 * a workflow of retries, delays and backoffs of days in milliseconds, with `sent()`,
 * `waitFor()` and fault injection (`faults`). Import it from `@troupe/core/testing`.
 *
 * @module @troupe/core/testing
 */
export type { DrainOptions, DrainSummary } from "./testing/drain.js";
export { Faults } from "./testing/faults.js";
export { type MessageOf, TestBroker, type TestBrokerOptions, type WaitForOptions } from "./testing/test-broker.js";
export { type UnrunnableMessage, UnrunnableMessages, WaitForTimeout } from "./testing/testing-errors.js";
export { VirtualClock } from "./testing/virtual-clock.js";
