import { canonicalQueueName, isDelayQueue, type Logger, type RawDelivery, type TransportReader } from "@troupe/core";
import { BlockedRead } from "./blocked-read.js";
import type { DirectConnection } from "./direct-connection.js";
import type { RedisConnection } from "./redis-connection.js";
import { MAX_IDS_PER_CALL, type ScriptArg, type ScriptName } from "./redis-scripts.js";

/** What a reader uses of its transport. */
export interface ReaderHost {
  /** The shared connection, which unblocks reads. */
  readonly connection: RedisConnection;
  readonly logger: Logger;
  /**
   * Runs a script on the shared connection with the common head. Settling (`patient`)
   * waits through an outage, as ioredis queues and resends it: it is idempotent, and a
   * failure would leave a delivery held in memory until its reader closes.
   */
  script(name: ScriptName, head: readonly ScriptArg[], ids: readonly ScriptArg[], patient: true): Promise<unknown>;
  /** The common head of a script's arguments: namespace, worker id, `now` (0: the script does not beat). */
  head(now?: number): ScriptArg[];
  /** A key of the namespace. */
  key(name: string): string;
  /** Whether readers block on their queue: until the server refuses a `BLMOVE` (older than 6.2, or an ACL without it). */
  canBlock(): boolean;
  /** The server refused a `BLMOVE`: readers wait for Troupe producers' pub/sub wake-ups from now on. */
  refuseBlockingReads(): void;
  /** Every open reader of `queueName` in this transport, this one included. */
  readersOf(queueName: string): Iterable<RedisReader>;
  /** Called once a reader closed. */
  forget(reader: RedisReader): void;
}

/**
 * Reads one queue, fetching on a `DirectConnection` of its own. After a fetch whose reply
 * was lost, the next fetch first hands back to the queue what the ack set holds that no
 * reader here knows of. While core waits for messages, the reader keeps a read blocked on
 * the queue (`BlockedRead`), which takes what arrives in the same Redis step as the
 * producer's enqueue; `onReady` then fires and the next fetch hands it out at once.
 */
export class RedisReader implements TransportReader<string> {
  /** Handed out and not settled: counted against prefetch, returned by close. */
  private readonly out = new Set<string>();
  /** Acked by core, not yet confirmed by Redis (core sends a failed ack again). */
  private readonly acking = new Set<string>();
  /** Taken by a blocked read, not handed out yet. */
  private buffer: RawDelivery<string>[] = [];
  private listener: (() => void) | undefined;
  private blocked: { read: BlockedRead; done: Promise<void> } | undefined;
  /** A fetch runs on the connection: a blocked read must not start behind it (nor it behind one), but after it. */
  private inFetch = false;
  private armAfterFetch = false;
  /** A blocked read starts at the end of the turn; until then, fetches find nothing more. */
  private armPending = false;
  /** Fetches of this reader on the wire, blocked read included: peers must not reclaim meanwhile. */
  private fetching = 0;
  private needsReclaim = false;
  private closed = false;
  /** What a blocked read checks for a pause: the canonical queue; delay queues never pause. */
  private readonly pausedCheck: string;
  private readonly ackSet: string;

  constructor(
    private readonly host: ReaderHost,
    readonly queueName: string,
    private readonly prefetch: number,
    private readonly own: DirectConnection,
    workerId: string,
  ) {
    this.pausedCheck = isDelayQueue(queueName) ? "" : queueName;
    this.ackSet = host.key(`__acks__.${workerId}.${queueName}`);
  }

  get alive(): boolean {
    return !this.closed;
  }

  /** Whether a fetch of this reader is on the wire. */
  get busy(): boolean {
    return this.fetching > 0;
  }

  /** The ids this reader holds or is settling, for a peer's reclaim. */
  *known(): Iterable<string> {
    yield* this.out;
    yield* this.acking;
    for (const delivery of this.buffer) yield delivery.handle;
  }

  /** A producer's wake-up (pub/sub) for this queue; a blocked read hears of the same push sooner, with the messages. */
  readonly wake = (): void => {
    if (!this.blocked) this.listener?.();
  };

  onReady(listener: () => void): () => void {
    this.listener = listener;
    this.arm();
    return () => {
      if (this.listener !== listener) return;
      this.listener = undefined;
      void this.unblock();
    };
  }

  async fetch(max: number, acks: readonly string[]): Promise<readonly RawDelivery<string>[]> {
    this.settle(acks);
    this.inFetch = true;
    let room = 0;
    let taken = -1;
    try {
      if (this.needsReclaim && !this.closed) {
        await this.unblock();
        await this.reclaim();
      }
      room = Math.max(0, Math.min(max, this.prefetch - this.out.size, MAX_IDS_PER_CALL));
      if (this.closed || this.blocked || this.armPending || this.buffer.length > 0) {
        // What the blocked read took is handed out without a round trip; acks go beside it.
        if (acks.length > 0) await this.ack(acks);
        return this.handOut(this.buffer.splice(0, room));
      }
      if (room === 0 && acks.length === 0) return [];
      const batch = await this.take(room, acks);
      for (const id of acks) this.acking.delete(id);
      taken = batch.length;
      return this.handOut(batch);
    } finally {
      this.inFetch = false;
      // The queue is drained (or a read was due meanwhile): wait on it, for what comes next to be
      // taken in the producer's step; at once when there is nothing to hand over, else once core took it.
      if (this.armAfterFetch || (taken >= 0 && taken < room)) {
        this.armAfterFetch = false;
        if (taken === 0) this.arm();
        else this.armSoon();
      }
    }
  }

  /** One call however many: ack.lua loops over its arguments (no `unpack`, which Lua bounds). */
  async ack(handles: readonly string[]): Promise<void> {
    this.settle(handles);
    await this.host.script("troupeAck", [this.queueName], handles, true);
    for (const id of handles) this.acking.delete(id);
  }

  /** On failure the delivery stays held, so core can return it instead and close requeues it. */
  async nack(handle: string, reason: string): Promise<void> {
    if (!this.out.has(handle)) return;
    await this.host.script("troupeNack", [this.queueName, canonicalQueueName(this.queueName), reason], [handle], true);
    this.out.delete(handle);
  }

  /** On failure the ids not yet returned stay held, so a second call (or close) tries them again. */
  async requeue(handles: readonly string[]): Promise<void> {
    const ids = handles.filter((id) => this.out.has(id));
    let returned = 0;
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) {
      const chunk = ids.slice(i, i + MAX_IDS_PER_CALL);
      returned += (await this.host.script("troupeRequeue", [this.queueName], chunk, true)) as number;
      for (const id of chunk) this.out.delete(id);
    }
    if (returned < ids.length) {
      this.host.logger.info(
        `${ids.length - returned} of ${ids.length} message(s) to return to ${this.queueName} were no longer held here ` +
          "(a move whose answer was lost had already taken them): left as they are",
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listener = undefined;
    try {
      await this.unblock();
      for (const delivery of this.buffer.splice(0)) this.out.add(delivery.handle);
      await this.requeue([...this.out]);
    } finally {
      this.host.forget(this);
      await this.own.connection.close();
    }
  }

  /** Stops as a killed process would: nothing is acked or requeued. */
  abandon(): void {
    this.closed = true;
    this.listener = undefined;
    this.host.forget(this);
    this.own.connection.kill();
  }

  /** Moves acked ids from out to acking until Redis confirms. */
  private settle(ids: readonly string[]): void {
    for (const id of ids) if (this.out.delete(id)) this.acking.add(id);
  }

  private handOut(batch: RawDelivery<string>[]): RawDelivery<string>[] {
    for (const delivery of batch) this.out.add(delivery.handle);
    return batch;
  }

  /**
   * Acks (piggybacked) and takes up to `n` deliveries in one script call. Behind a blocked
   * read (`blockedFor`) it runs long after it was sent: it does not beat, lest its stale
   * time overwrite a fresher heartbeat, and takes nothing from a paused queue.
   */
  private async take(n: number, acks: readonly string[], blockedFor?: number): Promise<RawDelivery<string>[]> {
    this.fetching++;
    try {
      const args = this.host.head(blockedFor === undefined ? undefined : 0);
      args.push(this.queueName, n, blockedFor === undefined ? "" : this.pausedCheck, ...acks);
      const pairs = (await this.own.script("troupeFetch", args, blockedFor)) as string[];
      const batch: RawDelivery<string>[] = new Array(pairs.length / 2);
      for (let i = 0; i < pairs.length; i += 2) batch[i / 2] = { handle: pairs[i], data: pairs[i + 1] };
      return batch;
    } catch (error) {
      // The reply may be lost after Redis moved ids into the ack set: look before the next fetch.
      this.needsReclaim = true;
      throw error;
    } finally {
      this.fetching--;
    }
  }

  /** Blocks a read on the queue while core waits, if the server can and there is room. */
  private arm(): void {
    const room = Math.min(this.prefetch - this.out.size - this.buffer.length, MAX_IDS_PER_CALL);
    if (this.closed || !this.listener || this.blocked || room <= 0 || !this.host.canBlock()) return;
    if (this.inFetch) {
      this.armAfterFetch = true;
      return;
    }
    this.fetching++;
    const read = new BlockedRead(this.own, this.host.connection, this.host.key(this.queueName));
    const ended = (result: RawDelivery<string>[] | undefined, timedOut: boolean) => {
      this.fetching--;
      this.blocked = undefined;
      if (result) this.buffer.push(...result);
      else this.needsReclaim = true;
      if (read.refused) this.host.refuseBlockingReads();
      // Cancelled: the canceller hands out what it took.
      if (read.cancelled) return;
      if (timedOut && result?.length === 0) return this.arm();
      // It took all there was: wait on for the next push.
      if (result && result.length > 0 && result.length < room) this.armSoon();
      // Something came, or nothing did although the queue was pushed to (another reader took it, or the
      // queue is paused: no new wait, which would return at once), or the read failed: core fetches.
      this.listener?.();
    };
    const done = read
      .run((blockedFor) => this.take(room, [], blockedFor))
      .then(
        ({ result, timedOut }) => ended(result, timedOut),
        () => ended(undefined, false),
      );
    this.blocked = { read, done };
  }

  /** Blocks a read at the end of the turn, once core took what was just handed over: the read's writes would delay that. */
  private armSoon(): void {
    if (this.armPending) return;
    this.armPending = true;
    setImmediate(() => {
      this.armPending = false;
      this.arm();
    });
  }

  /** Ends the blocked read now; what its fetch still took is buffered once this resolves. */
  private async unblock(): Promise<void> {
    const blocked = this.blocked;
    if (!blocked) return;
    await blocked.read.cancel();
    await blocked.done;
  }

  /**
   * Requeues the ids of this worker's ack set that no reader here knows of: a lost
   * reply moved them there. Only when no fetch of this queue is on the wire, whose
   * ids would not be known yet; otherwise a later fetch tries again.
   */
  private async reclaim(): Promise<void> {
    const peers = [...this.host.readersOf(this.queueName)];
    if (peers.some((reader) => reader.busy)) return;
    const { connection } = this.own;
    const members = await connection.bounded("reading the ack set", () => this.own.answered(connection.client.smembers(this.ackSet)));
    const known = new Set(peers.flatMap((reader) => [...reader.known()]));
    const lost = members.filter((id) => !known.has(id));
    let count = 0;
    for (let i = 0; i < lost.length; i += MAX_IDS_PER_CALL) {
      count += (await this.host.script("troupeRequeue", [this.queueName], lost.slice(i, i + MAX_IDS_PER_CALL), true)) as number;
    }
    this.needsReclaim = false;
    if (count > 0) this.host.logger.info(`returned ${count} message(s) of a lost reply to ${this.queueName}`);
  }
}
