import { assertKnownOptions, type Broker, getBroker, optionKeys } from "@troupe/core";
import { statusOf } from "./status.js";
import type { StatusRecord, StatusStore } from "./status-store.js";

/** Options of `getStatus`: where to read from. */
export interface GetStatusOptions {
  /** Read from this store (no middleware needed, e.g. in a process that only watches). */
  store?: StatusStore;
  /** Read from this broker's `Status` middleware instead of the global broker's. */
  broker?: Broker;
}

declare module "@troupe/core" {
  interface Message<Args extends readonly unknown[] = readonly unknown[], R = unknown> {
    /**
     * From `@troupe/dashboard`, installed by the first `new Status(...)`: the status record
     * of this message, from the `Status` middleware of its broker (or of the global broker);
     * undefined when none is stored. Throws `InvalidOption` when the broker has no `Status` middleware.
     */
    getStatus(): Promise<StatusRecord | undefined>;
  }
}

const GET_STATUS_OPTIONS = optionKeys<GetStatusOptions>({ store: true, broker: true });

/**
 * The status record of `messageId`, or undefined when none is stored (never seen, or
 * expired). Reads the store of the `Status` middleware on the global broker (or
 * `options.broker`), after writing what that middleware buffered, or `options.store`.
 * Throws `InvalidOption` when there is neither, `BrokerNotSet` when no broker is set.
 */
export async function getStatus(messageId: string, options: GetStatusOptions = {}): Promise<StatusRecord | undefined> {
  assertKnownOptions("getStatus", options, GET_STATUS_OPTIONS);
  if (options.store) return options.store.get(messageId);
  return statusOf(options.broker ?? getBroker()).read(messageId);
}
