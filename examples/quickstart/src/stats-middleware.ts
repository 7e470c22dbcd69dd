import type { Broker, Message, Middleware, ProcessOutcome } from "@troupe/core";

export interface ActorStats {
  succeeded: number;
  retried: number;
  deadLettered: number;
  /** Enqueue → final outcome, ms, one entry per finished message. */
  latencies: number[];
}

/**
 * Counts what the worker did, per actor. A message is finished when it succeeds or
 * is dead-lettered; a retry is seen when a copy with `retries` > 0 runs. Latency runs
 * from the first enqueue of a message id (retries keep the id) to its final outcome.
 */
export class Stats implements Middleware {
  readonly byActor = new Map<string, ActorStats>();
  private readonly enqueuedAt = new Map<string, number>();
  private finishedCount = 0;
  private waiters: { count: number; resolve: () => void }[] = [];

  get finished(): number {
    return this.finishedCount;
  }

  /** Resolves once `count` messages have finished. */
  until(count: number): Promise<void> {
    if (this.finishedCount >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  afterEnqueue(_broker: Broker, message: Message): void {
    if (!this.enqueuedAt.has(message.messageId)) this.enqueuedAt.set(message.messageId, performance.now());
  }

  beforeProcessMessage(_broker: Broker, message: Message): void {
    const retries = message.options.retries;
    if (typeof retries === "number" && retries > 0) this.of(message).retried++;
  }

  afterProcessMessage(_broker: Broker, message: Message, outcome: ProcessOutcome): void {
    // A failure is not final here: Retries either schedules a retry or dead-letters it (seen in afterNack).
    if (outcome.error === undefined && !message.failed) this.finish(message, "succeeded");
  }

  afterNack(_broker: Broker, message: Message): void {
    this.finish(message, "deadLettered");
  }

  private of(message: Message): ActorStats {
    let stats = this.byActor.get(message.actorName);
    if (!stats) this.byActor.set(message.actorName, (stats = { succeeded: 0, retried: 0, deadLettered: 0, latencies: [] }));
    return stats;
  }

  private finish(message: Message, outcome: "succeeded" | "deadLettered"): void {
    const stats = this.of(message);
    stats[outcome]++;
    const enqueuedAt = this.enqueuedAt.get(message.messageId);
    if (enqueuedAt !== undefined) {
      stats.latencies.push(performance.now() - enqueuedAt);
      this.enqueuedAt.delete(message.messageId);
    }
    this.finishedCount++;
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => {
      if (this.finishedCount < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }
}
