const nameOf = (actor: string | { readonly actorName: string }): string => (typeof actor === "string" ? actor : actor.actorName);

/** What is armed and under way, shared by `Faults` (which arms) and its `TestBroker` (which fires). */
export class FaultBook {
  failingEnqueues = 0;
  readonly twiceFor = new Map<string, number>();
  readonly crashFor = new Map<string, number>();
  // Bytes of each message to deliver again once its first delivery is settled, by message_id.
  readonly again = new Map<string, { queueName: string; raw: string }>();
  /** Crashes under way: `drain()` waits for them before it starts a new worker. */
  readonly crashing = new Set<Promise<void>>();

  arm(faults: Map<string, number>, actorName: string, count: number): void {
    if (!(count >= 1) || !Number.isInteger(count)) throw new RangeError(`a fault needs a whole count ≥ 1, got ${count}`);
    faults.set(actorName, (faults.get(actorName) ?? 0) + count);
  }

  take(faults: Map<string, number>, actorName: string): boolean {
    const left = faults.get(actorName);
    if (!left) return false;
    if (left === 1) faults.delete(actorName);
    else faults.set(actorName, left - 1);
    return true;
  }
}

let bookOf: (faults: Faults) => FaultBook;

/** The book a `Faults` arms, for its `TestBroker` to fire. */
export const faultBook = (faults: Faults): FaultBook => bookOf(faults);

/**
 * Faults a `TestBroker` injects, for tests of what your actors do when things go
 * wrong as they do in production: an enqueue that fails, a message delivered twice,
 * a worker that dies before it acks. Each fault is armed once and fires once (or
 * `count` times); `clear()` disarms what has not fired.
 */
export class Faults {
  readonly #book = new FaultBook();

  static {
    bookOf = (faults) => faults.#book;
  }

  /**
   * The next `count` enqueues (each `send`, `sendMany`, `enqueue` or `enqueueMany` call, and
   * each enqueue a worker makes: a retry, the next pipeline step, a callback, a delayed message
   * moving to its queue) reject with `ConnectionError`, as when the broker is unreachable.
   * Nothing of a failed call is stored. A worker whose successor write fails does not ack the
   * message: it gives it back after a pause, on the broker's clock, and runs it again.
   */
  failNextEnqueues(count = 1): void {
    if (!(count >= 0) || !Number.isInteger(count)) throw new RangeError(`failNextEnqueues needs a whole count ≥ 0, got ${count}`);
    this.#book.failingEnqueues += count;
  }

  /**
   * The next message sent to `actor` is delivered twice: once its first delivery is
   * settled (acked, or dead-lettered), the same bytes come again, same `message_id`,
   * as a broker redelivers a message whose ack was lost. Use it to test that an actor
   * is idempotent. A delayed message counts when it reaches its queue.
   */
  deliverTwice(actor: string | { readonly actorName: string }, count = 1): void {
    this.#book.arm(this.#book.twiceFor, nameOf(actor), count);
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
    this.#book.arm(this.#book.crashFor, nameOf(actor), count);
  }

  /** Disarms every fault that has not fired yet. */
  clear(): void {
    const book = this.#book;
    book.failingEnqueues = 0;
    book.twiceFor.clear();
    book.crashFor.clear();
    book.again.clear();
  }
}
