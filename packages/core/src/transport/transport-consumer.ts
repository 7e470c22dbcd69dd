import type { ConsumeOptions, Consumer } from "../consumer.js";
import { ConnectionError } from "../errors.js";
import { AckBatcher } from "./ack-batcher.js";
import { describeError, FailureStreak } from "./failure-streak.js";
import type { HeldCount } from "./held-counts.js";
import { ReaderSession } from "./reader-session.js";
import { Sleeper, type WakeOn } from "./sleeper.js";
import type { TransportConsumerHost } from "./transport-consumer-host.js";
import { TransportDelivery } from "./transport-delivery.js";

/** The first poll of an empty queue without wake-ups, ms; it doubles up to the idle tick. */
const FIRST_POLL = 10;

/**
 * Core's consumer of one physical queue, on any transport: it fetches up to the free
 * room in one call that also carries the acks collected since the last one, waits on
 * an empty queue for a wake-up (or polls with a backoff where the transport has none),
 * yields an empty batch on each idle tick, backs off while the transport is away (one
 * warn line per failure streak, one info line on recovery), and when its reader dies
 * marks what it handed out stale and opens another.
 */
export class TransportConsumer<Handle = unknown> implements Consumer<TransportDelivery<Handle>> {
  /** The queue it reads (canonical or delay). */
  readonly queueName: string;
  private session: ReaderSession<Handle> | undefined;
  private fetching: Promise<TransportDelivery<Handle>[]> | undefined;
  private opening: Promise<ReaderSession<Handle> | undefined> | undefined;
  private closing: Promise<void> | undefined;
  private closed = false;
  private abandoned = false;
  /** Wake-ups seen so far: one arriving during a fetch that found nothing means fetch again. */
  private signals = 0;
  private readonly sleeper = new Sleeper();
  private readonly acks: AckBatcher<Handle>;
  private readonly streak: FailureStreak;
  private readonly held: HeldCount;
  /** Fetch only once this much room is free: while three quarters of prefetch are held, the worker has work. */
  private readonly minBatch: number;
  private readonly polls: boolean;

  constructor(
    private readonly host: TransportConsumerHost<Handle>,
    queueName: string,
    private readonly options: ConsumeOptions,
  ) {
    this.queueName = queueName;
    this.minBatch = Math.max(1, Math.floor(options.prefetch / 4));
    const { wakeUps, pollWithWakeUps } = host.capabilities;
    this.polls = !wakeUps || pollWithWakeUps === true;
    this.held = host.heldCount(queueName);
    this.streak = new FailureStreak(host.logger, queueName, Math.max(FIRST_POLL, options.timeout));
    this.acks = new AckBatcher(
      queueName,
      host.logger,
      () => this.session,
      () => host.settled(queueName),
    );
  }

  /** Batches of deliveries as they are fetched; an empty batch is an idle tick. */
  async *[Symbol.asyncIterator](): AsyncIterator<readonly TransportDelivery<Handle>[]> {
    const { prefetch, timeout } = this.options;
    let idleSince = Date.now();
    let pause = FIRST_POLL;
    while (!this.closed) {
      let session = this.session;
      if (session === undefined) {
        session = await (this.opening = this.open());
        this.opening = undefined;
        if (session === undefined) {
          if (!this.closed && Date.now() - idleSince >= timeout) {
            idleSince = Date.now();
            yield [];
          }
          continue;
        }
      }
      if (session.stale) {
        await this.replace(session);
        continue;
      }
      const room = prefetch - session.outstanding.size;
      if (room >= this.minBatch) {
        const signals = this.signals;
        let batch: TransportDelivery<Handle>[];
        try {
          batch = await (this.fetching = this.fetch(session, room));
        } catch (error) {
          if (this.closed) break;
          await this.sleep(this.streak.failed("fetching from", describeError(error)), "close");
          if (!this.closed && Date.now() - idleSince >= timeout) {
            idleSince = Date.now();
            yield [];
          }
          continue;
        } finally {
          this.fetching = undefined;
        }
        this.streak.succeeded();
        // Deliveries fetched while closing are outstanding: close() gives them back.
        if (this.closed) break;
        if (batch.length > 0) {
          idleSince = Date.now();
          pause = FIRST_POLL;
          yield batch;
          continue;
        }
        if (this.signals !== signals || session.stale) continue;
      }
      const left = idleSince + timeout - Date.now();
      if (left <= 0) {
        idleSince = Date.now();
        yield [];
        continue;
      }
      const polling = this.polls && room >= this.minBatch;
      const woken = await this.sleep(polling ? Math.min(pause, left) : left, room < this.minBatch ? "room" : "signal");
      if (polling) pause = woken ? FIRST_POLL : Math.min(pause * 2, timeout);
      // The tick is due: yield it before the next look, which then comes once per tick.
      if (!woken && !this.closed && Date.now() - idleSince >= timeout) {
        idleSince = Date.now();
        yield [];
      }
    }
  }

  /** Fetches up to `room` deliveries, carrying the acks collected so far. */
  private async fetch(session: ReaderSession<Handle>, room: number): Promise<TransportDelivery<Handle>[]> {
    const acks = this.acks.take();
    let raw: Awaited<ReturnType<typeof session.reader.fetch>>;
    try {
      raw = await session.reader.fetch(room, acks);
    } catch (error) {
      if (!session.stale) this.acks.giveBack(acks);
      throw error;
    }
    if (acks.length > 0) this.host.settled(this.queueName);
    const count = raw.length;
    const batch: TransportDelivery<Handle>[] = new Array(count);
    const host = this.host;
    const outstanding = session.outstanding;
    for (let i = 0; i < count; i++) {
      const item = raw[i];
      const decoded = host.decodeMessage(item.data);
      const delivery = new TransportDelivery(decoded.message, decoded.error, item.data, item.handle, item.redelivered === true, session);
      outstanding.add(delivery);
      batch[i] = delivery;
    }
    this.held.value += count;
    return batch;
  }

  /** Opens a reader; undefined when it could not (after the backoff) or the consumer closed meanwhile. */
  private async open(): Promise<ReaderSession<Handle> | undefined> {
    let reader: Awaited<ReturnType<TransportConsumerHost<Handle>["openReader"]>>;
    try {
      reader = await this.host.openReader(this.queueName, { prefetch: this.options.prefetch });
    } catch (error) {
      if (this.closed) return undefined;
      // Anything but an unreachable transport (a refusal, a bad argument) is the worker's to report.
      if (!ConnectionError.isInstance(error)) {
        void this.close();
        throw error;
      }
      await this.sleep(this.streak.failed("opening a reader of", describeError(error)), "close");
      return undefined;
    }
    if (this.closed) {
      await reader.close().catch(() => {});
      return undefined;
    }
    const session = new ReaderSession(reader);
    session.stopWakeUps = reader.onReady?.(this.onReady);
    this.session = session;
    return session;
  }

  /** Gives up on a dead reader: its deliveries are stale (the transport delivers them again). */
  private async replace(session: ReaderSession<Handle>): Promise<void> {
    this.retire(session);
    const lost = session.outstanding.size;
    session.outstanding.clear();
    this.streak.failed("reading", `its reader died with ${lost} message(s) handed out, which come again`);
    this.host.settled(this.queueName);
    await session.reader.close().catch(() => {});
  }

  /** Marks a session dead and stops listening to it; what it held is no longer counted as held. */
  private retire(session: ReaderSession<Handle>): void {
    session.dead = true;
    session.stopWakeUps?.();
    if (this.session === session) this.session = undefined;
    this.held.value -= session.outstanding.size;
    this.acks.drop();
  }

  private readonly onReady = (): void => {
    this.signals++;
    const wakeOn = this.sleeper.wakeOn;
    if (wakeOn === "signal" || (wakeOn === "room" && this.session?.stale)) this.sleeper.wake(true);
  };

  /** Waits `ms`, or less when what `wakeOn` names happens (or the consumer closes); true when woken early. */
  private sleep(ms: number, wakeOn: WakeOn): Promise<boolean> {
    return this.closed ? Promise.resolve(false) : this.sleeper.sleep(ms, wakeOn);
  }

  /** Settling made room: a consumer waiting because it was full fetches once there is enough. */
  private freed(session: ReaderSession<Handle>): void {
    if (this.sleeper.wakeOn === "room" && this.options.prefetch - session.outstanding.size >= this.minBatch) this.sleeper.wake(true);
  }

  /** Acks the delivery: the next fetch carries the ack, or it goes out at the end of the turn. */
  ack(delivery: TransportDelivery<Handle>): void {
    const session = this.session;
    if (session === undefined || !session.outstanding.delete(delivery)) return;
    this.held.value--;
    this.acks.add(delivery.handle);
    if (this.sleeper.asleep) this.freed(session);
  }

  /** Dead-letters the delivery with why; on failure it stays held, so the worker can give it back. */
  async nack(delivery: TransportDelivery<Handle>, reason?: string): Promise<void> {
    const session = this.session;
    if (session === undefined || !session.outstanding.delete(delivery)) return;
    this.held.value--;
    this.freed(session);
    const why = reason ?? "dead-lettered";
    try {
      await session.reader.nack(delivery.handle, why);
    } catch (error) {
      this.keep(session, [delivery]);
      throw error;
    }
    this.host.deadLettered(this.queueName, delivery, why);
    this.host.settled(this.queueName);
  }

  /** Returns deliveries to the head of the queue; on failure they stay held, so a second call (or close) tries again. */
  async requeue(deliveries: readonly TransportDelivery<Handle>[]): Promise<void> {
    const session = this.session;
    if (session === undefined) return;
    const taken: TransportDelivery<Handle>[] = [];
    for (const delivery of deliveries) if (session.outstanding.delete(delivery)) taken.push(delivery);
    if (taken.length === 0) return;
    this.held.value -= taken.length;
    this.freed(session);
    try {
      await session.reader.requeue(taken.map((delivery) => delivery.handle));
    } catch (error) {
      this.keep(session, taken);
      throw error;
    }
    this.host.settled(this.queueName);
  }

  /** Holds deliveries again after a settle that failed, unless their reader died meanwhile. */
  private keep(session: ReaderSession<Handle>, deliveries: readonly TransportDelivery<Handle>[]): void {
    if (session.dead) return;
    for (const delivery of deliveries) session.outstanding.add(delivery);
    this.held.value += deliveries.length;
  }

  /** Sends pending acks, returns what is still held to the queue and closes the reader. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    this.sleeper.wake(false);
    await this.opening?.catch(() => {});
    await this.fetching?.catch(() => {});
    const session = this.session;
    if (session !== undefined && !session.stale && !this.abandoned) {
      await this.acks.flush(true);
      const held = [...session.outstanding];
      if (held.length > 0) {
        await this.requeue(held).catch((error) =>
          this.host.logger.error(
            `returning ${held.length} message(s) to ${this.queueName} failed: ${describeError(error)}; the transport delivers them again`,
          ),
        );
      }
    }
    if (session !== undefined) {
      this.retire(session);
      if (!this.abandoned) await session.reader.close().catch(() => {});
    }
    this.host.closed(this);
  }

  /**
   * Stops at once, as a killed process would: collected acks are dropped, nothing is
   * requeued and the reader is left as it is (an adapter's `simulateCrash` kills it).
   */
  abandon(): void {
    this.abandoned = true;
    this.acks.drop();
    void this.close();
  }
}
