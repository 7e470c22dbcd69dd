import type { Logger } from "@troupe/core";
import { closeClient, type RedisClient } from "./redis-connection.js";

type Waker = () => void;

/**
 * Wakes idle consumers when a Troupe producer enqueues: the scripts PUBLISH on
 * `ns:__wakeup__.<queue>` (a channel, not a key, so Dramatiq's layout is
 * untouched) and one dedicated subscriber connection per broker listens.
 */
export class WakeSignal {
  private subscriber: RedisClient | undefined;
  private readonly wakers = new Map<string, Set<Waker>>();
  private closed = false;

  constructor(
    private readonly source: RedisClient,
    private readonly namespace: string,
    private readonly logger: Logger,
    private readonly closeTimeout: number,
  ) {}

  channel(queueName: string): string {
    return `${this.namespace}:__wakeup__.${queueName}`;
  }

  /** Registers `wake` for a queue; resolves once the subscription is active (or failed, then consumers poll). */
  async add(queueName: string, wake: Waker): Promise<void> {
    if (this.closed) return;
    let set = this.wakers.get(queueName);
    if (set) {
      set.add(wake);
      return;
    }
    set = new Set([wake]);
    this.wakers.set(queueName, set);
    const subscribed = this.connection()
      .subscribe(this.channel(queueName))
      .catch((error) => this.logger.debug(`wake-up subscription for ${queueName} failed (consumers poll instead): ${error}`));
    // While Redis is unreachable the subscription completes later; consumers poll meanwhile.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([subscribed, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
  }

  remove(queueName: string, wake: Waker): void {
    const set = this.wakers.get(queueName);
    if (!set?.delete(wake) || set.size > 0) return;
    this.wakers.delete(queueName);
    this.subscriber?.unsubscribe(this.channel(queueName)).catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakers.clear();
    if (this.subscriber) await closeClient(this.subscriber, this.closeTimeout);
  }

  kill(): void {
    this.closed = true;
    this.wakers.clear();
    this.subscriber?.disconnect();
  }

  private connection(): RedisClient {
    if (this.subscriber) return this.subscriber;
    // A duplicate inherits the source's options (URL, TLS, Sentinel), with its own socket.
    const subscriber = this.source.duplicate();
    subscriber.on("error", (error: Error) => this.logger.debug(`wake-up connection: ${error.message}`));
    const prefix = `${this.namespace}:__wakeup__.`;
    subscriber.on("message", (channel: string) => {
      if (!channel.startsWith(prefix)) return;
      const set = this.wakers.get(channel.slice(prefix.length));
      if (set) for (const wake of set) wake();
    });
    this.subscriber = subscriber;
    return subscriber;
  }
}
