import { RabbitmqBroker } from "@troupe/broker-rabbitmq";
import { RedisBroker } from "@troupe/broker-redis";
import { type Broker, deadLetterQueueName, delayQueueName, uuid4 } from "@troupe/core";
import amqp from "amqplib";
import { quietLogger } from "./telemetry.js";

export const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";
export const RABBITMQ_URL = process.env.TROUPE_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";

/** A name no other test or run uses, for queues and Redis namespaces. */
export const unique = (label: string): string => `otel_${label}_${uuid4().replaceAll("-", "").slice(0, 10)}`;

/** Brokers a test opens on the shared services, and what removes everything they left there. */
export class Brokers {
  private readonly opened: Broker[] = [];
  private readonly namespaces = new Set<string>();

  /** A Redis broker in `namespace` (give two brokers the same one to share queues). */
  redis(namespace: string): RedisBroker {
    this.namespaces.add(namespace);
    return this.track(new RedisBroker({ url: REDIS_URL, namespace, logger: quietLogger }));
  }

  rabbitmq(): RabbitmqBroker {
    return this.track(new RabbitmqBroker({ url: RABBITMQ_URL, logger: quietLogger }));
  }

  private track<B extends Broker>(broker: B): B {
    this.opened.push(broker);
    return broker;
  }

  async close(): Promise<void> {
    const rabbitQueues = new Set<string>();
    for (const broker of this.opened) if (broker instanceof RabbitmqBroker) for (const q of broker.getDeclaredQueues()) rabbitQueues.add(q);
    await Promise.all(this.opened.splice(0).map((broker) => broker.close()));
    if (this.namespaces.size > 0) await deleteRedisNamespaces([...this.namespaces]);
    this.namespaces.clear();
    if (rabbitQueues.size > 0) await deleteRabbitQueues(rabbitQueues);
  }
}

async function deleteRedisNamespaces(namespaces: string[]): Promise<void> {
  const admin = new RedisBroker({ url: REDIS_URL, logger: quietLogger });
  try {
    for (const namespace of namespaces) {
      let cursor = "0";
      do {
        const [next, keys] = await admin.client.scan(cursor, "MATCH", `${namespace}:*`, "COUNT", 1000);
        cursor = next;
        if (keys.length) await admin.client.del(...keys);
      } while (cursor !== "0");
    }
  } finally {
    await admin.close();
  }
}

async function deleteRabbitQueues(queues: Iterable<string>): Promise<void> {
  const connection = await amqp.connect(RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues)
      for (const name of [queue, delayQueueName(queue), deadLetterQueueName(queue)]) await channel.deleteQueue(name);
  } finally {
    await connection.close();
  }
}
