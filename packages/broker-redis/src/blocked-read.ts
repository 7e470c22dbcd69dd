import type { Socket } from "node:net";
import { ReplyError } from "ioredis";
import type { DirectConnection } from "./direct-connection.js";
import type { RedisConnection } from "./redis-connection.js";

/** How long one blocked read waits before it is renewed, s. */
const BLOCK_SECONDS = 5;

/**
 * A read blocked on a queue's list until something is pushed to it: `BLMOVE list list
 * LEFT LEFT` (which moves the head to the head, so it changes nothing) with a fetch
 * pipelined behind it on the same connection. Redis runs that fetch as soon as the
 * BLMOVE returns, in the same step as the producer's push, so the messages reach the
 * reader with the producer's own reply rather than one wake-up and one fetch later.
 * It wakes on any push: Troupe's, a Python producer's, a requeue, maintenance.
 * `cancel()` ends the wait at once (`CLIENT UNBLOCK`, sent on another connection; where
 * the server refuses it, the wait ends by itself within 5 s); the pipelined fetch still
 * runs, and its caller keeps what it took.
 */
export class BlockedRead {
  private clientId: Promise<unknown> | undefined;
  /** Whether `cancel()` was called. */
  cancelled = false;
  /** Whether the server refused the BLMOVE (no such command, or no permission): readers should not block. */
  refused = false;

  constructor(
    private readonly own: DirectConnection,
    private readonly shared: RedisConnection,
    private readonly list: string,
  ) {}

  /**
   * Blocks, then runs `fetch`, which must write its command on `own` before it first
   * awaits, and may take `blockedFor` ms longer than a command that does not wait.
   */
  async run<T>(fetch: (blockedFor: number) => Promise<T>): Promise<{ result: T; timedOut: boolean }> {
    const { connection } = this.own;
    if (!connection.ready) await connection.whenReady();
    // The three commands leave in one write.
    const socket = connection.stream as Partial<Pick<Socket, "cork" | "uncork">> | undefined;
    socket?.cork?.();
    let moved: Promise<unknown>;
    let fetched: Promise<T>;
    try {
      // Asked first and never blocked, so its answer is there before the wait may need cancelling.
      this.clientId = this.own.answered(connection.client.client("ID")).catch(() => undefined);
      moved = this.own.answered(connection.client.blmove(this.list, this.list, "LEFT", "LEFT", this.cancelled ? 0.001 : BLOCK_SECONDS));
      moved.catch((error) => void (this.refused = error instanceof ReplyError));
      fetched = fetch(BLOCK_SECONDS * 1000);
    } finally {
      socket?.uncork?.();
    }
    const [element, result] = await Promise.all([moved, fetched]);
    return { result, timedOut: element === null };
  }

  /** Ends the wait now; resolves once the unblock was answered (or failed: the wait then ends by itself). */
  async cancel(): Promise<void> {
    this.cancelled = true;
    const id = await this.clientId;
    if (id === undefined) return;
    await this.shared.bounded("unblocking a read", () => this.shared.client.client("UNBLOCK", id as number)).catch(() => {});
  }
}
