import { randomUUID } from "node:crypto";
import { type Broker, type BrokerOptions, TransportBroker } from "@troupe/core";
import { type BrokerTestContext, brokerConformance } from "@troupe/testkit";
import { afterAll } from "vitest";
import type { PgTransport } from "../src/pg-transport.js";
import { LEASE_MS, testSchema } from "./postgres.js";

const schema = await testSchema();
afterAll(() => schema.drop());

/** Core's runtime on the PostgreSQL transport; a crash ends it as a killed process would. */
class PgBroker extends TransportBroker<string> {
  declare readonly transport: PgTransport;

  constructor(options: BrokerOptions = {}) {
    super(schema.transport(), options);
  }

  /** No acks or requeues from its consumers, connections dropped, leases left to run out. */
  async simulateCrash(): Promise<void> {
    this.abandonConsumers();
    await this.transport.close(true);
  }
}

brokerConformance({
  name: "postgresql",
  async open(): Promise<BrokerTestContext> {
    const brokers = new Set<PgBroker>();
    const crashed = new Set<Broker>();
    return {
      recoveryTimeout: LEASE_MS + 5_000,
      async broker(options) {
        const broker = new PgBroker(options);
        brokers.add(broker);
        return broker;
      },
      async crash(broker) {
        crashed.add(broker);
        await (broker as PgBroker).simulateCrash();
      },
      async injectRaw(broker, queueName, raw) {
        await (broker as PgBroker).transport.publish([{ queueName, messageId: randomUUID(), data: raw }]);
      },
      async close() {
        await Promise.all([...brokers].filter((broker) => !crashed.has(broker)).map((broker) => broker.close()));
      },
    };
  },
});
