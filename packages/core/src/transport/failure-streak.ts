import type { Logger } from "../logger.js";

const FIRST_BACKOFF = 10;

/**
 * A run of failures of one consumer's reads (a fetch, opening a reader, a reader that
 * died): one warn line when it starts, one info line when reading works again, and
 * the pause before each retry, doubling from 10 ms up to `max`.
 */
export class FailureStreak {
  private failing = false;
  private backoff = FIRST_BACKOFF;

  constructor(
    private readonly logger: Logger,
    private readonly queueName: string,
    private readonly max: number,
  ) {}

  /** True between a failure and the next success. */
  get active(): boolean {
    return this.failing;
  }

  /** Notes a failure (`what` failed with `error`, or for `why`); returns the ms to wait before the next try. */
  failed(what: string, why: string): number {
    if (!this.failing) {
      this.failing = true;
      this.logger.warn(`${what} ${this.queueName} failed: ${why}; retrying`);
    }
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.max);
    return Math.min(wait, this.max);
  }

  /** Notes that reading worked; logs the recovery once per streak. */
  succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    this.backoff = FIRST_BACKOFF;
    this.logger.info(`reading ${this.queueName} works again`);
  }
}

/** An error's message, for a log line. */
export const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));
