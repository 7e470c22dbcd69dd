const WIDTH = 30;
const RENDER_EVERY = 100;

/**
 * A one-line progress bar on a terminal. On anything else (a pipe, a log file)
 * it draws nothing: the caller prints a summary line instead.
 */
export class ProgressBar {
  private readonly enabled: boolean;
  private lastRender = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
    private readonly total: number | undefined,
  ) {
    this.enabled = stream.isTTY === true;
  }

  update(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastRender < RENDER_EVERY && done !== this.total) return;
    this.lastRender = now;
    this.stream.write(`\r${this.render(done)}`);
  }

  /** Clears the bar so the summary line that follows starts on a clean line. */
  finish(): void {
    if (this.enabled) this.stream.write("\r\x1b[2K");
  }

  private render(done: number): string {
    if (!this.total) return `${this.label} ${done}`;
    const ratio = Math.min(1, done / this.total);
    const filled = Math.round(ratio * WIDTH);
    return `${this.label} [${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${done}/${this.total} ${Math.floor(ratio * 100)}%`;
  }
}
