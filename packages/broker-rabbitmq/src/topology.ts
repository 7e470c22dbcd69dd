import { ConnectionError, canonicalQueueName, deadLetterQueueName, delayQueueName } from "@troupe/core";
import type { Channel } from "amqplib";
import { deadLetterQueueArguments, workQueueArguments } from "./queue-arguments.js";

const PRECONDITION_FAILED = 406;

/**
 * Declares each queue family (`q`, `q.DQ`, `q.XQ`) with Dramatiq's arguments once
 * per connection: a new connection (after a restart the queues may be gone) or a
 * `forget` declares again.
 */
export class Topology {
  private readonly declared = new WeakMap<object, Map<string, Promise<void>>>();

  constructor(
    private readonly maxPriority: number | undefined,
    private readonly deadMessageTtl: number,
  ) {}

  /** Makes sure the family of `queueName` exists on the channel's connection. */
  declare(channel: Channel, queueName: string): Promise<void> {
    const canonical = canonicalQueueName(queueName);
    const families = this.families(channel);
    let declaring = families.get(canonical);
    if (!declaring) {
      declaring = this.declareFamily(channel, canonical);
      families.set(canonical, declaring);
      declaring.catch(() => families.delete(canonical));
    }
    return declaring;
  }

  /** Declares again on next use, e.g. after RabbitMQ said the queue is gone. */
  forget(channel: Channel, queueName: string): void {
    this.families(channel).delete(canonicalQueueName(queueName));
  }

  private families(channel: Channel): Map<string, Promise<void>> {
    let families = this.declared.get(channel.connection);
    if (!families) this.declared.set(channel.connection, (families = new Map()));
    return families;
  }

  private async declareFamily(channel: Channel, canonical: string): Promise<void> {
    const work = workQueueArguments(canonical, this.maxPriority);
    const declarations: [string, object][] = [
      [canonical, work],
      [delayQueueName(canonical), work],
      [deadLetterQueueName(canonical), deadLetterQueueArguments(this.deadMessageTtl)],
    ];
    try {
      // Sent back to back: amqplib queues the RPCs on the channel, so this costs one round trip of latency.
      await Promise.all(declarations.map(([name, args]) => channel.assertQueue(name, { durable: true, arguments: args })));
    } catch (error) {
      const code = (error as { code?: number }).code;
      const hint =
        code === PRECONDITION_FAILED
          ? ": it exists with other arguments; maxPriority and deadMessageTtl must match what every other producer (Dramatiq or Troupe) declares"
          : "";
      throw new ConnectionError(`RabbitMQ refused to declare the queues of "${canonical}"${hint} (${(error as Error).message})`, {
        cause: error,
      });
    }
  }
}
