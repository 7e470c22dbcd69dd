import type { Broker } from "@troupe/core";
import { Gauge, Registry } from "prom-client";

/**
 * Queue depths read from the broker at scrape time. They describe shared queues,
 * not one process, so they live in their own registry: under the supervisor only
 * one worker process is asked for them, and they are not summed N times.
 */
export class QueueDepthCollector {
  /** The registry of the three queue-depth gauges, filled at each `collect()`. */
  readonly registry = new Registry();
  private readonly ready: Gauge<"queue_name">;
  private readonly delayed: Gauge<"queue_name">;
  private readonly deadLetters: Gauge<"queue_name">;
  private broker: Broker | undefined;

  constructor(prefix: string) {
    const options = { labelNames: ["queue_name"] as const, registers: [this.registry] };
    this.ready = new Gauge({ name: `${prefix}_queue_ready_messages`, help: "Messages waiting on the queue.", ...options });
    this.delayed = new Gauge({ name: `${prefix}_queue_delayed_messages`, help: "Messages waiting on the delay queue.", ...options });
    this.deadLetters = new Gauge({
      name: `${prefix}_queue_dead_letter_messages`,
      help: "Dead-lettered messages of the queue.",
      ...options,
    });
  }

  /** The broker whose declared queues are measured. */
  bind(broker: Broker): void {
    this.broker = broker;
  }

  /** Reads every declared queue's stats and returns the registry holding them. */
  async collect(): Promise<Registry> {
    const broker = this.broker;
    if (!broker?.capabilities.queueStats) return this.registry;
    let stats: Awaited<ReturnType<Broker["queueStats"]>>[] = [];
    try {
      stats = await Promise.all([...broker.getDeclaredQueues()].map((queueName) => broker.queueStats(queueName)));
    } catch (error) {
      // A scrape must not fail because the broker is briefly unreachable: the depths are left out instead.
      broker.logger.warn(`reading queue stats for metrics failed: ${(error as Error)?.message ?? error}`);
    }
    // Reset first so a queue that is gone, or a failed read, leaves no stale value behind.
    for (const gauge of [this.ready, this.delayed, this.deadLetters]) gauge.reset();
    for (const { queueName, ready, delayed, deadLetters } of stats) {
      this.ready.set({ queue_name: queueName }, ready);
      this.delayed.set({ queue_name: queueName }, delayed);
      this.deadLetters.set({ queue_name: queueName }, deadLetters);
    }
    return this.registry;
  }
}
