import type { Logger } from "../logger.js";
import { describeError } from "./failure-streak.js";
import type { ReaderSession } from "./reader-session.js";

const NONE: readonly never[] = Object.freeze([]);
const RETRY_PAUSE = 100;

/**
 * The acks a consumer collected and not yet sent. The next fetch takes them along
 * (`take`); those no fetch took by the end of the event-loop turn go out in one
 * `reader.ack` call. Acks are idempotent, so a failed send keeps them for the next.
 */
export class AckBatcher<Handle> {
  private pending: Handle[] = [];
  private scheduled = false;
  private sending: Promise<void> | undefined;

  constructor(
    private readonly queueName: string,
    private readonly logger: Logger,
    /** The session to ack through: the consumer's current one. */
    private readonly session: () => ReaderSession<Handle> | undefined,
    /** Called once acks reached the transport. */
    private readonly sent: () => void,
  ) {}

  /** Collects an ack; schedules a send at the end of the turn unless one is scheduled. */
  add(handle: Handle): void {
    this.pending.push(handle);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.sendSoon);
    }
  }

  /** Every collected ack, for a fetch to carry (the same empty array when there are none). */
  take(): readonly Handle[] {
    const acks = this.pending;
    if (acks.length === 0) return NONE;
    this.pending = [];
    return acks;
  }

  /** Puts back acks a fetch took but could not deliver. */
  giveBack(acks: readonly Handle[]): void {
    for (let i = 0; i < acks.length; i++) this.pending.push(acks[i]);
  }

  /** Forgets every collected ack (its reader died, or the consumer was abandoned). */
  drop(): void {
    this.pending = [];
  }

  /** Sends what is collected now and waits for it; with `once`, gives up after a failure instead of retrying. */
  flush(once: boolean): Promise<void> {
    this.sending ??= this.send(once).finally(() => {
      this.sending = undefined;
    });
    return this.sending;
  }

  private readonly sendSoon = (): void => {
    this.scheduled = false;
    if (this.pending.length > 0 && this.sending === undefined) void this.flush(false);
  };

  private async send(once: boolean): Promise<void> {
    while (this.pending.length > 0) {
      const session = this.session();
      if (session === undefined || session.stale) {
        this.pending = [];
        return;
      }
      const acks = this.take();
      try {
        await session.reader.ack(acks);
        this.sent();
      } catch (error) {
        if (session.stale) continue;
        this.giveBack(acks);
        this.logger.warn(`acking ${acks.length} message(s) on ${this.queueName} failed: ${describeError(error)}; retrying`);
        if (once) return;
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE));
      }
    }
  }
}
