import type { AbortBackend } from "./abort-backend.js";

/**
 * Gathers the cancel checks of the messages a worker starts in one turn of the event
 * loop into one `takeCancels` call: a worker filling its slots starts many at once, and
 * each would otherwise cost its own round trip.
 */
export class CancelBatch {
  private pending: { ids: string[]; taken: Promise<boolean[]> } | undefined;

  constructor(private readonly backend: AbortBackend) {}

  /** Whether the message had a cancel entry (now taken). */
  async take(messageId: string): Promise<boolean> {
    let batch = this.pending;
    if (!batch) {
      const ids: string[] = [];
      // Resolved a microtask later, once every check of this turn has joined `ids`.
      const taken = Promise.resolve().then(() => {
        this.pending = undefined;
        return this.backend.takeCancels(ids);
      });
      batch = { ids, taken };
      this.pending = batch;
    }
    const at = batch.ids.push(messageId) - 1;
    return (await batch.taken)[at] === true;
  }
}
