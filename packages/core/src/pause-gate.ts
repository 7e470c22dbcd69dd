import type { Logger } from "./logger.js";
import type { QueuePauses } from "./queue-pauses.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What a worker's consume loops ask before each fetch: is this queue paused?
 * The paused set is read at most once per `interval` ms for all loops of the worker,
 * so a busy worker pays one small read a second, not one per batch.
 */
export class PauseGate {
  private paused: ReadonlySet<string> = new Set();
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly source: QueuePauses,
    private readonly interval: number,
    private readonly logger: Logger,
  ) {}

  /** Resolves once `queueName` is not paused, or at once when `stopped()` turns true. */
  async whilePaused(queueName: string, stopped: () => boolean): Promise<void> {
    while (!stopped() && (await this.isPaused(queueName))) await sleep(Math.min(this.interval, 250));
  }

  private async isPaused(queueName: string): Promise<boolean> {
    if (Date.now() - this.readAt >= this.interval) {
      this.reading ??= this.read();
      await this.reading;
    }
    return this.paused.has(queueName);
  }

  private async read(): Promise<void> {
    try {
      this.paused = new Set(await this.source.pausedQueues());
    } catch (error) {
      // Unreadable (broker down): keep the last known set; the fetch will fail and retry anyway.
      this.logger.debug(`reading the paused queues failed: ${(error as Error)?.message ?? error}`);
    } finally {
      this.readAt = Date.now();
      this.reading = undefined;
    }
  }
}
