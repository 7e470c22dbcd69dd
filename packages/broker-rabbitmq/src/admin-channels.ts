import { ConnectionError, TroupeError } from "@troupe/core";
import type { Channel } from "amqplib";
import { type ConnectionManager, closeQuietly } from "./connection.js";
import type { Topology } from "./topology.js";

/**
 * Channels of the producer connection for operator calls (counts, purges, dead
 * letters): one shared channel, or one of its own for reads whose unacked messages
 * closing it puts back. The queue family is declared first, as before any use.
 */
export class AdminChannels {
  private shared: Promise<Channel> | undefined;

  constructor(
    private readonly manager: ConnectionManager,
    private readonly topology: Topology,
  ) {}

  /** Runs `operation` on the shared channel, once the family of `queueName` exists. */
  async withShared<T>(queueName: string, operation: (channel: Channel) => Promise<T>): Promise<T> {
    if (!this.shared) {
      const opening = this.manager.openChannel().then((channel) => {
        channel.on("close", () => {
          if (this.shared === opening) this.shared = undefined;
        });
        return channel;
      });
      this.shared = opening;
      opening.catch(() => {
        if (this.shared === opening) this.shared = undefined;
      });
    }
    const shared = this.shared;
    return wrapErrors(async () => {
      const channel = await shared;
      await this.topology.declare(channel, queueName);
      return operation(channel);
    });
  }

  /** Runs `operation` on a channel of its own, closed afterwards (which returns its unacked messages). */
  async withOwn<T>(queueName: string, operation: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await this.manager.openChannel();
    try {
      return await wrapErrors(async () => {
        await this.topology.declare(channel, queueName);
        return operation(channel);
      });
    } finally {
      await closeQuietly(channel);
    }
  }
}

async function wrapErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (TroupeError.isInstance(error)) throw error;
    throw new ConnectionError(`RabbitMQ operation failed: ${(error as Error)?.message ?? error}`, { cause: error });
  }
}
