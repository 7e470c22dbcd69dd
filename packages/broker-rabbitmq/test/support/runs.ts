import { currentMessage } from "@troupe/core";

/** How many times each message id ran, for at-least-once accounting in fault tests. */
export class Runs {
  private readonly counts = new Map<string, number>();

  /** An actor body that counts the current message. */
  readonly record = (): void => {
    this.add(currentMessage().message.messageId);
  };

  add(id: string): void {
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  /** Distinct message ids that ran. */
  get size(): number {
    return this.counts.size;
  }

  has(id: string): boolean {
    return this.counts.has(id);
  }

  /** The ids that ran more than once. */
  duplicates(): string[] {
    return [...this.counts].filter(([, n]) => n > 1).map(([id]) => id);
  }

  /** The ids of `expected` that never ran. */
  missing(expected: Iterable<string>): string[] {
    return [...expected].filter((id) => !this.counts.has(id));
  }
}
