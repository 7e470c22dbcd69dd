import { ConnectionError, canonicalQueueName, isDelayQueue, type Message, MiddlewareError, type Worker } from "@troupe/core";

/** The little of its `TestBroker` that `Faults` acts on. */
interface FaultTarget {
  encodeMessage(message: Message): string | Buffer;
  enqueueRaw(queueName: string, raw: string): void;
}

const nameOf = (actor: string | { readonly actorName: string }): string => (typeof actor === "string" ? actor : actor.actorName);

/**
 * Faults a `TestBroker` injects, for tests of what your actors do when things go
 * wrong as they do in production: an enqueue that fails, a message delivered twice,
 * a worker that dies before it acks. Each fault is armed once and fires once (or
 * `count` times); `clear()` disarms what has not fired.
 */
export class Faults {
  private failingEnqueues = 0;
  private readonly twiceFor = new Map<string, number>();
  private readonly crashFor = new Map<string, number>();
  // Bytes of each message to deliver again once its first delivery is settled, by message_id.
  private readonly again = new Map<string, { queueName: string; raw: string }>();
  /** @internal crashes under way: `drain()` waits for them before it starts a new worker. */
  readonly crashing = new Set<Promise<void>>();

  /** @internal */
  constructor(private readonly broker: FaultTarget) {}

  /**
   * The next `count` enqueues (each `send`, `sendMany`, `enqueue` or `enqueueMany` call, and
   * each enqueue a worker makes: a retry, the next pipeline step, a callback, a delayed message
   * moving to its queue) reject with `ConnectionError`, as when the broker is unreachable.
   * Nothing of a failed call is stored. A worker whose successor write fails does not ack the
   * message: it gives it back after a pause, on the broker's clock, and runs it again.
   */
  failNextEnqueues(count = 1): void {
    if (!(count >= 0) || !Number.isInteger(count)) throw new RangeError(`failNextEnqueues needs a whole count ≥ 0, got ${count}`);
    this.failingEnqueues += count;
  }

  /**
   * The next message sent to `actor` is delivered twice: once its first delivery is
   * settled (acked, or dead-lettered), the same bytes come again, same `message_id`,
   * as a broker redelivers a message whose ack was lost. Use it to test that an actor
   * is idempotent. A delayed message counts when it reaches its queue.
   */
  deliverTwice(actor: string | { readonly actorName: string }, count = 1): void {
    this.arm(this.twiceFor, nameOf(actor), count);
  }

  /**
   * The next time a message of `actor` has run, its successors are enqueued and it is
   * about to be acked (or dead-lettered), its worker crashes instead: that message and
   * every other one the worker held (running, fetched ahead, delayed) go back to their
   * queues and are delivered again; the ack never happens. The worker is gone, as a
   * killed process is: `drain()` goes on with a new one; a worker of your own must be
   * started again. Actors running on it see their signal abort (JavaScript cannot stop
   * them), and whatever they do after is dropped.
   */
  crashWorker(actor: string | { readonly actorName: string }, count = 1): void {
    this.arm(this.crashFor, nameOf(actor), count);
  }

  /** Disarms every fault that has not fired yet. */
  clear(): void {
    this.failingEnqueues = 0;
    this.twiceFor.clear();
    this.crashFor.clear();
    this.again.clear();
  }

  /** @internal Before the broker stores messages: an armed enqueue fault rejects the whole call. */
  beforePublish(messages: readonly Message[]): void {
    if (this.failingEnqueues === 0) return;
    this.failingEnqueues--;
    throw new ConnectionError(`enqueue of ${messages.length} message(s) failed: a fault injected by faults.failNextEnqueues`);
  }

  /** @internal After the broker stored messages: keep the bytes of those to deliver twice. */
  afterPublish(messages: readonly Message[]): void {
    if (this.twiceFor.size === 0) return;
    for (const message of messages) {
      if (isDelayQueue(message.queueName) || !this.take(this.twiceFor, message.actorName)) continue;
      this.again.set(message.messageId, { queueName: message.queueName, raw: String(this.broker.encodeMessage(message)) });
    }
  }

  /** @internal Before a worker acks or nacks: an armed crash fires here, and the settle does not happen. */
  beforeSettle(message: Message, workers: ReadonlySet<Worker>): void {
    if (this.crashFor.size === 0 || !this.take(this.crashFor, message.actorName)) return;
    for (const worker of workers) {
      if (![...worker.inFlight].some((context) => context.message === message)) continue;
      // Not awaited here: the stop waits for this very message, which waits for this hook.
      const crash = worker.stop({ timeout: 0 }).finally(() => this.crashing.delete(crash));
      this.crashing.add(crash);
    }
    // A MiddlewareError, so that the hook aborts the settle instead of being logged and passed over.
    throw new MiddlewareError(`the worker crashed before settling ${message} (faults.crashWorker)`);
  }

  /** @internal After a worker acked or nacked: a message to deliver twice comes again. */
  afterSettle(message: Message): void {
    const again = this.again.get(message.messageId);
    if (!again || isDelayQueue(message.queueName)) return;
    this.again.delete(message.messageId);
    this.broker.enqueueRaw(canonicalQueueName(again.queueName), again.raw);
  }

  private arm(faults: Map<string, number>, actorName: string, count: number): void {
    if (!(count >= 1) || !Number.isInteger(count)) throw new RangeError(`a fault needs a whole count ≥ 1, got ${count}`);
    faults.set(actorName, (faults.get(actorName) ?? 0) + count);
  }

  private take(faults: Map<string, number>, actorName: string): boolean {
    const left = faults.get(actorName);
    if (!left) return false;
    if (left === 1) faults.delete(actorName);
    else faults.set(actorName, left - 1);
    return true;
  }
}
