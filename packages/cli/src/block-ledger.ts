import type { BlockedMessage } from "./ipc.js";

/**
 * The supervisor's record of which messages each worker process is running and how
 * many watchdog kills each message was running for. It lives in the supervisor
 * because the killed process cannot record anything and the broker delivers the
 * message again unchanged; the counts reach the worker processes over IPC (and in
 * the config of newly forked ones), so whichever process gets the message next
 * knows. They last as long as the supervisor does.
 */
export class BlockLedger {
  private readonly running = new Map<number, Map<string, string>>();
  // Insertion order is recency: the oldest entries go first when over capacity.
  private readonly counts = new Map<string, BlockedMessage>();

  constructor(
    /** Counts kept at most; a message past them that blocks again just starts from 0. */
    private readonly capacity = 1000,
    /** Counts handed to a new worker process at most: they travel in its environment. */
    private readonly forkLimit = 200,
  ) {}

  started(pid: number, id: string, actor: string): void {
    let running = this.running.get(pid);
    if (!running) this.running.set(pid, (running = new Map()));
    running.set(id, actor);
  }

  /** A message that ran to its end (or was dead-lettered) has no kills to count any more. */
  finished(pid: number, id: string): void {
    this.running.get(pid)?.delete(id);
    this.counts.delete(id);
  }

  exited(pid: number): void {
    this.running.delete(pid);
  }

  /** The actors of the messages a process is running. */
  actorsOf(pid: number): string[] {
    return [...new Set(this.running.get(pid)?.values() ?? [])];
  }

  /** Counts a watchdog kill against every message the process was running; their new counts. */
  killed(pid: number, blockedFor: number): BlockedMessage[] {
    const running = this.running.get(pid) ?? new Map<string, string>();
    this.running.delete(pid);
    const counted: BlockedMessage[] = [];
    for (const [id, actor] of running) {
      const entry = this.counts.get(id) ?? { id, actor, kills: 0, ms: 0 };
      entry.kills++;
      entry.ms = blockedFor;
      this.counts.delete(id);
      this.counts.set(id, entry);
      counted.push({ ...entry });
    }
    for (const id of this.counts.keys()) {
      if (this.counts.size <= this.capacity) break;
      this.counts.delete(id);
    }
    return counted;
  }

  /** The most recent counts, for a worker process about to be forked. */
  snapshot(): BlockedMessage[] {
    return [...this.counts.values()].slice(-this.forkLimit).map((entry) => ({ ...entry }));
  }
}
