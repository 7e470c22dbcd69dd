import type { Broker, Message, Middleware, ProcessOutcome, Worker } from "@troupe/core";
import type { FaultFiring } from "./fault-firing.js";

/** A message dead-lettered on a `TestBroker`, with the error it failed with. */
export interface DeadLetterEvent {
  readonly queueName: string;
  /** Undefined for bytes that could not be decoded. */
  readonly message: Message | undefined;
  readonly error: unknown;
  readonly reason: string | undefined;
}

/**
 * The middleware a `TestBroker` adds to itself (it shows in `broker.middleware`): it counts what workers do for
 * `drain()`'s summary, tells `drain()` when something happened, keeps the running
 * workers for `faults.crashWorker`, and lets `Faults` act before and after a settle.
 */
export class Recorder implements Middleware {
  processed = 0;
  succeeded = 0;
  failed = 0;
  readonly deadLetters: DeadLetterEvent[] = [];
  /** Workers between boot and shutdown. */
  readonly workers = new Set<Worker>();
  // Messages whose actor has returned or thrown: what follows is settling, not running.
  private readonly settling = new WeakSet<Message>();
  private wakers: (() => void)[] = [];

  constructor(private readonly faults: FaultFiring) {}

  /** True while `message`'s actor (or a before-hook) runs: the after-hooks have not started. */
  isRunning(message: Message): boolean {
    return !this.settling.has(message);
  }

  /** Resolves at the next thing a worker does (an actor done, a settle, a dead letter, a crash). */
  nextChange(): Promise<void> {
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  /** Wakes whoever waits in `nextChange`. */
  changed(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }

  deadLettered(event: DeadLetterEvent): void {
    this.deadLetters.push(event);
    this.changed();
  }

  afterProcessMessage(_broker: Broker, message: Message, outcome: ProcessOutcome): void {
    this.settling.add(message);
    this.processed++;
    if (outcome.error === undefined) this.succeeded++;
    else this.failed++;
    this.changed();
  }

  afterSkipMessage(_broker: Broker, message: Message): void {
    this.settling.add(message);
    this.processed++;
    if (message.failed) this.failed++;
    this.changed();
  }

  beforeAck(_broker: Broker, message: Message): void {
    this.faults.beforeSettle(message, this.workers);
  }

  beforeNack(_broker: Broker, message: Message): void {
    this.faults.beforeSettle(message, this.workers);
  }

  afterAck(_broker: Broker, message: Message): void {
    this.faults.afterSettle(message);
    this.changed();
  }

  afterNack(_broker: Broker, message: Message): void {
    this.faults.afterSettle(message);
    this.changed();
  }

  afterWorkerBoot(_broker: Broker, worker: Worker): void {
    this.workers.add(worker);
  }

  afterWorkerShutdown(_broker: Broker, worker: Worker): void {
    this.workers.delete(worker);
    this.changed();
  }
}
