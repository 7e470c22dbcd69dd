interface Watched {
  lastBeat: number;
  actors: string[];
}

/** A worker process the watchdog found silent for too long. */
export interface BlockedProcess {
  /** Its process id. */
  pid: number;
  /** How long the process has sent no heartbeat, ms. */
  silentFor: number;
  /** The actors it reported running last. */
  actors: string[];
}

/**
 * Notices worker processes whose event loop stopped turning. A Node actor that
 * never yields cannot be interrupted from inside its own process, so the
 * supervisor watches the heartbeats and reports a process silent for longer
 * than `timeout`; the caller kills it, and the broker delivers its messages again.
 */
export class Watchdog {
  private readonly watched = new Map<number, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private lastCheck = 0;
  private readonly period: number;

  constructor(
    private readonly timeout: number,
    private readonly onBlocked: (blocked: BlockedProcess) => void,
  ) {
    this.period = Math.max(50, Math.min(1000, this.timeout / 4));
  }

  /** Starts checking the heartbeats on a timer. */
  start(): void {
    this.lastCheck = Date.now();
    this.timer = setInterval(() => this.check(), this.period);
  }

  /** Stops checking and forgets every process. */
  stop(): void {
    clearInterval(this.timer);
    this.watched.clear();
  }

  /** Starts watching a process, as if it had just sent a heartbeat. */
  watch(pid: number): void {
    this.watched.set(pid, { lastBeat: Date.now(), actors: [] });
  }

  /** Stops watching a process (it exited). */
  forget(pid: number): void {
    this.watched.delete(pid);
  }

  /** Records a heartbeat of a process, with the actors it is running. */
  beat(pid: number, actors: string[]): void {
    const entry = this.watched.get(pid);
    if (!entry) return;
    entry.lastBeat = Date.now();
    entry.actors = actors;
  }

  private check(): void {
    const now = Date.now();
    const lag = now - this.lastCheck - this.period;
    this.lastCheck = now;
    // A supervisor that was itself stalled has not read the heartbeats waiting for it: give them a round.
    if (lag > this.period * 2) {
      for (const entry of this.watched.values()) entry.lastBeat = now;
      return;
    }
    for (const [pid, entry] of this.watched) {
      const silentFor = now - entry.lastBeat;
      if (silentFor <= this.timeout) continue;
      this.watched.delete(pid);
      this.onBlocked({ pid, silentFor, actors: entry.actors });
    }
  }
}
