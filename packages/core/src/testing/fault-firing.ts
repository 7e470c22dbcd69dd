import { ConnectionError, canonicalQueueName, isDelayQueue, type Message, MiddlewareError, type Worker } from "@troupe/core";
import type { FaultBook } from "./faults.js";

/** The little of its `TestBroker` that firing faults acts on. */
export interface FaultTarget {
  encodeMessage(message: Message): string | Buffer;
  enqueueRaw(queueName: string, raw: string): void;
}

/** Fires the faults a `Faults` armed, at the points of a `TestBroker` and its workers where they strike. */
export class FaultFiring {
  constructor(
    private readonly book: FaultBook,
    private readonly broker: FaultTarget,
  ) {}

  /** Crashes under way: `drain()` waits for them before it starts a new worker. */
  get crashing(): ReadonlySet<Promise<void>> {
    return this.book.crashing;
  }

  /** Before the broker stores messages: an armed enqueue fault rejects the whole call. */
  beforePublish(messages: readonly Message[]): void {
    if (this.book.failingEnqueues === 0) return;
    this.book.failingEnqueues--;
    throw new ConnectionError(`enqueue of ${messages.length} message(s) failed: a fault injected by faults.failNextEnqueues`);
  }

  /** After the broker stored messages: keep the bytes of those to deliver twice. */
  afterPublish(messages: readonly Message[]): void {
    const book = this.book;
    if (book.twiceFor.size === 0) return;
    for (const message of messages) {
      if (isDelayQueue(message.queueName) || !book.take(book.twiceFor, message.actorName)) continue;
      book.again.set(message.messageId, { queueName: message.queueName, raw: String(this.broker.encodeMessage(message)) });
    }
  }

  /** Before a worker acks or nacks: an armed crash fires here, and the settle does not happen. */
  beforeSettle(message: Message, workers: ReadonlySet<Worker>): void {
    const book = this.book;
    if (book.crashFor.size === 0 || !book.take(book.crashFor, message.actorName)) return;
    for (const worker of workers) {
      if (![...worker.inFlight].some((context) => context.message === message)) continue;
      // Not awaited here: the stop waits for this very message, which waits for this hook.
      const crash = worker.stop({ timeout: 0 }).finally(() => book.crashing.delete(crash));
      book.crashing.add(crash);
    }
    // A MiddlewareError, so that the hook aborts the settle instead of being logged and passed over.
    throw new MiddlewareError(`the worker crashed before settling ${message} (faults.crashWorker)`);
  }

  /** After a worker acked or nacked: a message to deliver twice comes again. */
  afterSettle(message: Message): void {
    const again = this.book.again.get(message.messageId);
    if (!again || isDelayQueue(message.queueName)) return;
    this.book.again.delete(message.messageId);
    this.broker.enqueueRaw(canonicalQueueName(again.queueName), again.raw);
  }
}
