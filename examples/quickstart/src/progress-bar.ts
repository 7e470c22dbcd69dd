/**
 * Progress on stderr: a bar redrawn in place when stderr is a terminal, and a plain
 * line every second otherwise, so CI logs stay readable. Rate and ETA come from
 * the last few seconds, not the whole run, so they follow the current pace.
 */
export class ProgressBar {
  private readonly stream = process.stderr;
  private readonly tty = this.stream.isTTY === true;
  private readonly samples: { at: number; done: number }[] = [];
  private readonly startedAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(
    private readonly total: number,
    private readonly read: () => number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.tty ? 100 : 1_000);
  }

  /** Draws the final state and leaves the cursor on a fresh line. */
  stop(): void {
    clearInterval(this.timer);
    this.tick();
    if (this.tty) this.stream.write("\n");
    this.drawn = false;
  }

  /** Writes a line above the bar, so logs and the bar do not overwrite each other. */
  log(line: string): void {
    if (this.tty && this.drawn) this.stream.write("\r\x1b[2K");
    this.stream.write(`${line}\n`);
    if (this.tty && this.drawn) this.stream.write(this.bar());
  }

  private tick(): void {
    const now = performance.now();
    this.samples.push({ at: now, done: this.read() });
    while (this.samples.length > 2 && now - this.samples[0].at > 3_000) this.samples.shift();
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${this.bar()}`);
      this.drawn = true;
    } else {
      this.stream.write(`progress: ${this.describe()}\n`);
    }
  }

  /** The bar, cut to the terminal: a wrapped line could not be redrawn in place with \r. */
  private bar(): string {
    return this.render().slice(0, (this.stream.columns ?? 80) - 1);
  }

  private render(): string {
    const done = this.read();
    const width = 30;
    const filled = Math.min(width, Math.round((done / this.total) * width));
    return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${this.describe()}`;
  }

  private describe(): string {
    const done = this.read();
    const percent = Math.floor((done / this.total) * 100);
    const rate = this.rate();
    const left = this.total - done;
    let eta = "ETA –";
    if (left <= 0) eta = `done in ${formatSeconds(performance.now() - this.startedAt)}`;
    else if (rate > 0) eta = `ETA ${formatSeconds((left / rate) * 1000)}`;
    return `${done}/${this.total} (${percent}%)  ${Math.round(rate)} msg/s  ${eta}`;
  }

  /** Messages per second over the sampled window; over the whole run until there is a window. */
  private rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || last.at === first.at) return (this.read() / (performance.now() - this.startedAt)) * 1000;
    return ((last.done - first.done) / (last.at - first.at)) * 1000;
  }
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
