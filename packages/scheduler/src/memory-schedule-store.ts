import type { ScheduleRecord, ScheduleStore, StepRequest, StepResult } from "./schedule-store.js";

interface Entry {
  cursor: number;
  seen: number;
  lastTick: number | undefined;
  lastMessageId: string | undefined;
  current: string | undefined;
  finished: string | undefined;
  claim: { tick: number; owner: string; messageId: string; until: number } | undefined;
}

/**
 * Schedule state in this process's memory: for a single scheduler process and for tests.
 * Several `Scheduler`s sharing one instance coordinate exactly as processes sharing a
 * `RedisScheduleStore` do. Leases run on `performance.now()`.
 */
export class MemoryScheduleStore implements ScheduleStore {
  private readonly entries = new Map<string, Entry>();

  async step(name: string, request: StepRequest): Promise<StepResult> {
    const clock = performance.now();
    let entry = this.entries.get(name);
    if (!entry) {
      entry = {
        cursor: request.now,
        seen: request.now,
        lastTick: undefined,
        lastMessageId: undefined,
        current: undefined,
        finished: undefined,
        claim: undefined,
      };
      this.entries.set(name, entry);
    } else if (request.now - entry.seen > request.downAfter && request.now - request.catchUp > entry.cursor) {
      entry.cursor = request.now - request.catchUp;
    }
    entry.seen = Math.max(entry.seen, request.now);
    const claim = entry.claim;
    if (claim) {
      if (claim.owner !== request.owner && claim.until > clock) {
        return { outcome: "busy", cursor: entry.cursor, retryIn: claim.until - clock };
      }
      if (claim.messageId !== entry.finished) {
        claim.owner = request.owner;
        claim.until = clock + request.lease;
        return { outcome: "claimed", cursor: entry.cursor, tick: claim.tick, messageId: claim.messageId };
      }
      // Its message was sent and has finished: its sender died before completing the claim.
      this.completeEntry(entry, claim.tick, claim.messageId);
    }
    const { tick, messageId } = request;
    if (tick === undefined || messageId === undefined || tick <= entry.cursor) return { outcome: "idle", cursor: entry.cursor };
    if (request.skipWhileRunning && entry.current !== undefined && entry.current !== entry.finished) {
      entry.cursor = tick;
      return { outcome: "skipped", cursor: tick, running: entry.current };
    }
    entry.claim = { tick, owner: request.owner, messageId, until: clock + request.lease };
    entry.current = messageId;
    return { outcome: "claimed", cursor: entry.cursor, tick, messageId };
  }

  async complete(name: string, tick: number, messageId: string): Promise<void> {
    const entry = this.entries.get(name);
    if (entry) this.completeEntry(entry, tick, messageId);
  }

  private completeEntry(entry: Entry, tick: number, messageId: string): void {
    if (entry.claim?.tick === tick) entry.claim = undefined;
    entry.cursor = Math.max(entry.cursor, tick);
    if (entry.lastTick === undefined || tick > entry.lastTick) {
      entry.lastTick = tick;
      entry.lastMessageId = messageId;
    }
  }

  async finish(name: string, messageId: string): Promise<void> {
    const entry = this.entries.get(name);
    if (entry && entry.current === messageId) entry.finished = messageId;
  }

  async read(name: string): Promise<ScheduleRecord | undefined> {
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    const { claim } = entry;
    return {
      cursor: entry.cursor,
      lastTick: entry.lastTick,
      lastMessageId: entry.lastMessageId,
      current: entry.current,
      finished: entry.finished,
      claim: claim && { tick: claim.tick, owner: claim.owner, messageId: claim.messageId },
    };
  }

  async close(): Promise<void> {}
}
