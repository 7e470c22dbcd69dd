/**
 * What a fault test sent, what ran and when faults hit, to account for every
 * message: a confirmed send that never ran is lost; a message that ran twice must
 * be explained by a fault that hit while it was in flight.
 */
export class Ledger {
  private readonly runs = new Map<string, { count: number; start: number; end: number | undefined }>();
  private readonly sends = new Map<string, { from: number; to: number; confirmed: boolean }>();
  private readonly faults: { name: string; from: number; to: number }[] = [];
  /** When each run (first or not) started, in order. */
  private readonly starts: number[] = [];
  /** Rejected sends, by error name (`EnqueueUncertain`, `ConnectionError`). */
  readonly rejections = new Map<string, number>();

  /**
   * `slack`: an ack written this long before a fault may not have reached RabbitMQ,
   * which then delivers that message again; and a client may take this long after a
   * fault ends to notice its socket died.
   */
  constructor(private readonly slack = 1000) {}

  started(id: string): void {
    const now = Date.now();
    this.starts.push(now);
    const run = this.runs.get(id);
    if (run) run.count++;
    else this.runs.set(id, { count: 1, start: now, end: undefined });
  }

  finished(id: string): void {
    const run = this.runs.get(id);
    if (run && run.end === undefined) run.end = Date.now();
  }

  /** A send call over [from, to]: confirmed, or rejected with `error`. */
  sent(ids: readonly string[], from: number, error?: unknown): void {
    const to = Date.now();
    for (const id of ids) this.sends.set(id, { from, to, confirmed: error === undefined });
    if (error !== undefined) {
      const name = (error as Error)?.name ?? String(error);
      this.rejections.set(name, (this.rejections.get(name) ?? 0) + 1);
    }
  }

  /** A fault over [from, to] (a drop is instant; a stall or a restart ends when the broker is reachable again). */
  fault(name: string, from: number, to: number): void {
    this.faults.push({ name, from, to });
  }

  confirmed(): string[] {
    return [...this.sends].filter(([, send]) => send.confirmed).map(([id]) => id);
  }

  /** Confirmed sends that never finished a run. */
  lost(): string[] {
    return this.confirmed().filter((id) => this.runs.get(id)?.end === undefined);
  }

  duplicates(): string[] {
    return [...this.runs].filter(([, run]) => run.count > 1).map(([id]) => id);
  }

  /**
   * Duplicates no fault explains: the first run was not in progress around a fault
   * (it ended well before, so its ack had long reached RabbitMQ, or it started after
   * the fault, on a new channel), and its send call did not overlap one (a publish
   * whose confirm a fault cut off is published again).
   */
  unexplained(): string[] {
    return this.duplicates().filter((id) => {
      const run = this.runs.get(id);
      const send = this.sends.get(id);
      return !this.faults.some((fault) => {
        const from = fault.from - this.slack;
        const to = fault.to + this.slack;
        const acking = run !== undefined && run.start <= to && (run.end ?? Number.POSITIVE_INFINITY) >= from;
        const publishing = send !== undefined && send.from <= to && send.to >= from;
        return acking || publishing;
      });
    });
  }

  /** For each fault, ms from its end until the first message that started running after it. */
  recoveryTimes(): Record<string, number | undefined> {
    const starts = this.starts;
    const times: Record<string, number | undefined> = {};
    for (const fault of this.faults) {
      const first = starts.find((start) => start > fault.to);
      times[fault.name] = first === undefined ? undefined : first - fault.to;
    }
    return times;
  }
}
