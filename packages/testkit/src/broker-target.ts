import type { Broker, BrokerCapabilities, BrokerOptions } from "@troupe/core";

/**
 * What a broker package hands the conformance suite. `open` is called once per
 * test (and once while the suite is collected, to read its brokers' capabilities);
 * brokers made by one context share one backend (as processes sharing a Redis or
 * RabbitMQ do), so a second broker plays a second worker process.
 */
export interface BrokerTarget {
  /** Names the suite in test output, e.g. `"redis"`. */
  name: string;
  /**
   * The capabilities its brokers have, where the target states them: a test then checks
   * that its brokers agree. The groups are switched by the brokers' own `capabilities`.
   */
  capabilities?: BrokerCapabilities;
  /** Opens a fresh context for one test (unique names, clean state). */
  open(): Promise<BrokerTestContext>;
  /**
   * Cuts every reader of `broker` off as a dropped connection would, the process living on:
   * each reader's `alive` turns false. Where given, the stale-delivery group runs.
   */
  loseReaders?(broker: Broker): void | Promise<void>;
}

/** One test's view of the backend: brokers on it, and ways to crash them and inject bytes. */
export interface BrokerTestContext {
  /** A broker on the shared backend; each call may be a new instance (a new "process"). */
  broker(options?: BrokerOptions): Promise<Broker>;
  /** Ends a broker as a killed process would: no acks, no requeue, no more heartbeats. */
  crash(broker: Broker): Promise<void>;
  /** Writes raw bytes to a queue exactly as a foreign producer would. */
  injectRaw(broker: Broker, queueName: string, raw: string | Buffer): Promise<void>;
  /** Closes every broker and removes what the test left behind. */
  close(): Promise<void>;
  /** How long a crashed consumer's messages may take to come back (ms). */
  recoveryTimeout?: number;
}
