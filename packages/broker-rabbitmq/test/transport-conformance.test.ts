import { canonicalQueueName } from "@troupe/core";
import { transportConformance } from "@troupe/testkit";
import { afterAll } from "vitest";
import { RabbitmqTransport } from "../src/index.js";
import { deleteQueues, RABBITMQ_URL } from "./support/amqp.js";
import { capturingLogger } from "./support/logger.js";

const used = new Set<string>();

/** The suite purges the queues it used; on the shared RabbitMQ they are deleted too, once it is done. */
class CleanedUpTransport extends RabbitmqTransport {
  override purge(queueName: string): Promise<void> {
    used.add(canonicalQueueName(queueName));
    return super.purge(queueName);
  }
}

afterAll(() => deleteQueues(used));

transportConformance("rabbitmq", () => new CleanedUpTransport({ url: RABBITMQ_URL, maxPriority: 10, logger: capturingLogger() }), {
  crash: (transport) => (transport as RabbitmqTransport).destroy(),
});
