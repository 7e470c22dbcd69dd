import type { Consumer, Delivery } from "./consumer.js";
import type { Logger } from "./logger.js";

/** A delivery a worker holds, with the consumer that must settle it. */
export interface HeldDelivery {
  readonly consumer: Consumer;
  readonly delivery: Delivery;
}

/** Returns held deliveries to their queues, one `requeue` call per consumer. */
export async function requeueHeld(held: readonly HeldDelivery[], logger: Logger): Promise<void> {
  const byConsumer = new Map<Consumer, Delivery[]>();
  for (const { consumer, delivery } of held) {
    if (!delivery.message) continue;
    let list = byConsumer.get(consumer);
    if (!list) byConsumer.set(consumer, (list = []));
    list.push(delivery);
  }
  for (const [consumer, deliveries] of byConsumer) {
    await consumer.requeue(deliveries).catch((error) => {
      logger.error(
        `requeueing ${deliveries.length} message(s) on ${consumer.queueName} failed: ${error}; the broker will deliver them again`,
      );
    });
  }
}
