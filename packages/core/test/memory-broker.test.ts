import { MemoryBroker } from "@troupe/core";
// Core cannot depend on @troupe/testkit (testkit depends on core), so the suite is imported by path.
import { type BrokerTarget, brokerConformance } from "../../testkit/src/index.js";

const memoryTarget: BrokerTarget = {
  name: "memory",
  capabilities: new MemoryBroker().capabilities,
  async open() {
    let broker: MemoryBroker | undefined;
    return {
      broker: async (options) => (broker ??= new MemoryBroker(options)),
      crash: async (crashed) => (crashed as MemoryBroker).simulateCrash(),
      injectRaw: async (target, queueName, raw) => (target as MemoryBroker).enqueueRaw(queueName, raw.toString()),
      close: async () => broker?.close(),
    };
  },
  // Its readers die, its consumers live on: what a dropped connection does to a remote broker.
  loseReaders: (broker) => (broker as MemoryBroker).transport.killReaders(),
};

brokerConformance(memoryTarget);
