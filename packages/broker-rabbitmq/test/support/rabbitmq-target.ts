import type { Broker, BrokerOptions } from "@troupe/core";
import type { BrokerTarget, BrokerTestContext } from "@troupe/testkit";
import { RabbitmqBroker, type RabbitmqBrokerOptions } from "../../src/index.js";
import { deleteQueues, publishRaw, RABBITMQ_URL } from "./amqp.js";

/** Brokers on the local RabbitMQ, with priorities on so the priority group runs. */
export const rabbitmqTarget: BrokerTarget = {
  name: "rabbitmq",
  capabilities: new RabbitmqBroker({ url: RABBITMQ_URL }).capabilities,
  async open(): Promise<BrokerTestContext> {
    const brokers: RabbitmqBroker[] = [];
    return {
      async broker(options: BrokerOptions = {}): Promise<Broker> {
        const broker = new RabbitmqBroker({ url: RABBITMQ_URL, maxPriority: 10, ...(options as RabbitmqBrokerOptions) });
        brokers.push(broker);
        return broker;
      },
      async crash(broker: Broker): Promise<void> {
        (broker as RabbitmqBroker).simulateCrash();
      },
      async injectRaw(broker: Broker, queueName: string, raw: string | Buffer): Promise<void> {
        // Declares the queue family first, as the broker would before its own first publish.
        await broker.queueStats(queueName);
        await publishRaw(queueName, raw);
      },
      async close(): Promise<void> {
        const queues = new Set(brokers.flatMap((broker) => [...broker.getDeclaredQueues()]));
        await Promise.all(brokers.map((broker) => broker.close()));
        await deleteQueues(queues);
      },
    };
  },
};
