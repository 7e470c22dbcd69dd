import { randomUUID } from "node:crypto";
import type { Transport, TransportCapabilities, TransportReader } from "@troupe/core";
import { uniqueQueue } from "../../helpers.js";
import type { TransportConformanceOptions } from "../../transport-conformance.js";

/** What each group of transport tests receives: the running test's transports, queues and readers. */
export interface TransportScope {
  /** The capabilities of the transport under test. */
  readonly capabilities: TransportCapabilities;
  /** How long a closed or crashed reader's deliveries may take to come back (ms). */
  readonly recoveryTimeout: number;
  /** The suite's options, as given. */
  readonly options: TransportConformanceOptions;
  /** The running test's transport. */
  transport(): Transport;
  /** Another process on the same backend as the running test's transport. */
  peer(): Promise<Transport>;
  /** Ends `transport` as a killed process would (`options.crash`). */
  crash(transport: Transport): Promise<void>;
  /** A fresh canonical queue, declared, and purged after the test. */
  queue(): Promise<string>;
  /** Opens a reader on `queueName` (canonical or delay), closed after the test unless `closeReader` closed it. */
  reader(queueName: string, prefetch?: number, transport?: Transport): Promise<TransportReader>;
  /** Closes a reader the test opened. */
  closeReader(reader: TransportReader): Promise<void>;
}

interface TestState {
  readonly main: Transport;
  readonly transports: Set<Transport>;
  readonly crashed: Set<Transport>;
  readonly queues: string[];
  readonly readers: Map<TransportReader, Transport>;
}

/** The scope the groups share; `open` and `close` run around every test. */
export function transportScope(
  makeTransport: () => Transport | Promise<Transport>,
  options: TransportConformanceOptions,
  capabilities: TransportCapabilities,
): TransportScope & { open(): Promise<void>; close(): Promise<void> } {
  let state: TestState | undefined;
  const current = (): TestState => {
    if (!state) throw new Error("no transport test running");
    return state;
  };
  const adopt = (test: TestState, transport: Transport): Transport => {
    test.transports.add(transport);
    // A peer that is the crashed transport itself (one in memory) lives on: it is closed too.
    test.crashed.delete(transport);
    return transport;
  };
  return {
    capabilities,
    options,
    recoveryTimeout: options.recoveryTimeout ?? 5_000,
    async open() {
      const main = await makeTransport();
      state = { main, transports: new Set([main]), crashed: new Set(), queues: [], readers: new Map() };
    },
    async close() {
      const test = current();
      state = undefined;
      const live = [...test.transports].filter((transport) => !test.crashed.has(transport));
      const open = [...test.readers].filter(([, transport]) => !test.crashed.has(transport));
      await Promise.all(open.map(([reader]) => reader.close()));
      const cleaner = live[0];
      if (cleaner) for (const queueName of test.queues) await cleaner.purge(queueName);
      await Promise.all(live.map((transport) => transport.close()));
    },
    transport: () => current().main,
    async peer() {
      const test = current();
      return adopt(test, await (options.peer ? options.peer(test.main) : makeTransport()));
    },
    async crash(transport) {
      if (!options.crash) throw new Error("transportConformance: options.crash is needed to crash a transport");
      current().crashed.add(transport);
      await options.crash(transport);
    },
    async queue() {
      const test = current();
      const queueName = uniqueQueue("tq");
      test.queues.push(queueName);
      await test.main.declareQueue?.(queueName);
      return queueName;
    },
    async reader(queueName, prefetch = 100, transport) {
      const test = current();
      const owner = transport ?? test.main;
      const reader = await owner.openReader(queueName, { prefetch });
      test.readers.set(reader, owner);
      return reader;
    },
    async closeReader(reader) {
      current().readers.delete(reader);
      await reader.close();
    },
  };
}

/** An outgoing message with a fresh message id. */
export function outgoing(queueName: string, data: string | Buffer, extra: { eta?: number; priority?: number; replaces?: unknown } = {}) {
  return { queueName, messageId: randomUUID(), data, ...extra };
}

/** A delivery's bytes as text, whichever of string or Buffer the transport hands out. */
export const text = (data: string | Buffer): string => (typeof data === "string" ? data : data.toString("utf8"));
