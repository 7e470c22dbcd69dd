import { BROKER_OPTION_KEYS, type BrokerOptions, type JoinOptions } from "./broker.js";
import type { MemoryEntry } from "./memory-reader.js";
import { MemoryTransport } from "./memory-transport.js";
import type { Message } from "./message.js";
import { assertKnownOptions } from "./option-keys.js";
import type { QueuePauses } from "./queue-pauses.js";
import { canonicalQueueName } from "./queues.js";
import { TransportBroker } from "./transport/transport-broker.js";

/**
 * A broker in this process's memory: for tests, demos and zero-setup use. Messages
 * are stored encoded, exactly as on a real broker, so tests exercise the same paths:
 * it is core's runtime on a `MemoryTransport`.
 */
export class MemoryBroker extends TransportBroker<MemoryEntry> implements QueuePauses {
  /** The transport it runs on: its queues and dead letters. */
  declare readonly transport: MemoryTransport;
  private readonly paused = new Set<string>();

  constructor(options: BrokerOptions = {}) {
    // The clock is read when a message is dead-lettered: a TestBroker's virtual one by then.
    super((context) => new MemoryTransport({ now: context.now }), options);
    assertKnownOptions("MemoryBroker", options, BROKER_OPTION_KEYS);
  }

  /** Every dead-lettered message, oldest first (undecodable ones are left out). */
  get deadLetters(): Message[] {
    return this.decodeAll(this.transport.storedDeadLetters());
  }

  /** The dead-lettered messages of one queue, oldest first, as they were last enqueued. */
  deadLettersByQueue(queueName: string): Message[] {
    return this.decodeAll(this.transport.storedDeadLetters(queueName));
  }

  private decodeAll(letters: readonly { readonly data: string | Buffer }[]): Message[] {
    const messages: Message[] = [];
    for (const letter of letters) {
      const message = this.decodeMessage(letter.data).message;
      if (message) messages.push(message);
    }
    return messages;
  }

  /** Puts raw bytes on a queue, as a foreign producer would (for tests of bad input). */
  enqueueRaw(queueName: string, raw: string): void {
    this.transport.enqueueRaw(queueName, raw);
  }

  /** Simulates a crashed worker: every consumer's reader dies without acking, and its messages are delivered again. */
  simulateCrash(): void {
    this.transport.killReaders();
  }

  /**
   * Resolves when nothing for the queue is waiting, delayed or unacknowledged. With
   * `failFast` (the default, as in Dramatiq 2), rejects with the error of the first of
   * its messages to be dead-lettered; `failFast: false` waits through dead letters.
   * `timeout` is real time, whatever the broker's clock.
   */
  override join(queueName: string, options: JoinOptions = {}): Promise<void> {
    return super.join(queueName, { ...options, failFast: options.failFast ?? true });
  }

  /** Empties every queue, declared or not, and every dead-letter queue. */
  override async flushAll(): Promise<void> {
    this.transport.purgeAll();
    await super.flushAll();
  }

  /** Pauses a queue for the workers of this broker (this process: its queues live here). */
  async pauseQueue(queueName: string): Promise<void> {
    this.paused.add(canonicalQueueName(queueName));
  }

  /** Lets this broker's workers fetch the queue again. */
  async resumeQueue(queueName: string): Promise<void> {
    this.paused.delete(canonicalQueueName(queueName));
  }

  /** The queues paused now. */
  async pausedQueues(): Promise<string[]> {
    return [...this.paused];
  }
}
