import type { AbortWatch, AbortWatchHandlers } from "./abort-backend.js";

/** An entry taken from a list: whether there was one, and its value. */
export interface Taken {
  readonly found: boolean;
  readonly value?: number | undefined;
}

/** The watch of `MemoryAbortBackend`: told of each request as it is stored, and of earlier ones as a message is added. */
export class MemoryAbortWatch implements AbortWatch {
  private readonly ids = new Set<string>();
  private closed = false;

  constructor(
    private readonly handlers: AbortWatchHandlers,
    private readonly takeAbort: (id: string) => Taken,
    private readonly onClose: () => void,
  ) {}

  add(messageId: string): void {
    if (this.closed) return;
    this.ids.add(messageId);
    this.offer(messageId);
  }

  delete(messageId: string): void {
    this.ids.delete(messageId);
  }

  /** Takes the message's abort entry if this watch has it; true when it did. */
  offer(messageId: string): boolean {
    if (!this.ids.has(messageId)) return false;
    const taken = this.takeAbort(messageId);
    if (!taken.found) return false;
    this.ids.delete(messageId);
    // Later, as from Redis: never inside the caller of abort().
    setImmediate(() => this.handlers.onAbort(messageId, taken.value));
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.ids.clear();
    this.onClose();
  }
}
