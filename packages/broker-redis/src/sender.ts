import { ConnectionError, EnqueueUncertain, type Logger } from "@troupe/core";
import { ReplyError } from "ioredis";
import { DirectConnection } from "./direct-connection.js";
import { RedisClock } from "./redis-clock.js";
import { type RedisClient, type RedisConnection, wrapError } from "./redis-connection.js";
import { REFUSED } from "./redis-scripts.js";

/** The script calls of one send, issued together; each must store nothing after `deadline` (Redis clock, ms). */
export type SendCalls = (client: RedisClient, deadline: number) => Promise<unknown>[];

interface Unanswered {
  readonly what: string;
  readonly fail: (error: Error) => void;
}

/**
 * Sends enqueue and move scripts so that none can take effect after its caller was
 * told it failed. ioredis, left to itself, queues commands while disconnected and
 * resends unanswered ones after a reconnect, so a send that timed out could still be
 * stored later, or stored twice. Sends therefore use a `DirectConnection`, which
 * does neither, and every call carries a deadline that Redis checks against its own
 * clock (`TIME`): the moment the caller gives up. A send whose connection closes
 * before the answer, or that gets none in `connectTimeout`, is rejected with
 * `EnqueueUncertain` (it may have been stored); one that provably was not stored,
 * with `ConnectionError`.
 */
export class Sender {
  private opened: { connection: RedisConnection; clock: RedisClock } | undefined;
  private readonly unanswered = new Set<Unanswered>();

  constructor(
    private readonly source: RedisConnection,
    private readonly logger: Logger,
  ) {}

  /** Issues `calls` and resolves once every one stored its messages; see the class for the failures. */
  async send(what: string, calls: SendCalls): Promise<void> {
    const { connection, clock } = this.open();
    if (!connection.ready || !clock.known) await this.ready(connection, clock);
    const timeout = connection.connectTimeout;
    const giveUpAt = performance.now() + timeout;
    const stream = connection.stream;
    let issued: Promise<PromiseSettledResult<unknown>[]>;
    try {
      issued = Promise.allSettled(calls(connection.client, clock.deadline(giveUpAt)));
    } catch (error) {
      throw wrapError(what, connection.name, error);
    }
    const results = await new Promise<PromiseSettledResult<unknown>[]>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const entry: Unanswered = {
        what,
        fail: (error) => {
          clearTimeout(timer);
          this.unanswered.delete(entry);
          reject(error);
        },
      };
      this.unanswered.add(entry);
      timer = setTimeout(() => {
        entry.fail(
          new EnqueueUncertain(
            `${what} got no answer from ${connection.name} within ${timeout} ms, so it may or may not be stored; ` +
              "Redis refuses it from now on, and sending the same messages again stores no second copy of one still queued",
          ),
        );
        connection.dropStalled(stream);
      }, timeout);
      void issued.then((settled) => {
        if (!this.unanswered.delete(entry)) return;
        clearTimeout(timer);
        resolve(settled);
      });
    });
    const failure = outcome(what, connection.name, results);
    if (failure) throw failure;
  }

  /** Closes the connection, after the answers to sends still on the wire. */
  async close(): Promise<void> {
    await this.opened?.connection.close();
  }

  /** Drops the connection at once, as a killed process would. */
  kill(): void {
    this.opened?.connection.kill();
  }

  private open(): { connection: RedisConnection; clock: RedisClock } {
    if (this.opened) return this.opened;
    const { connection } = new DirectConnection(this.source, "sends");
    const clock = new RedisClock(connection.client);
    connection.client.on("ready", () => clock.read().catch(() => {}));
    connection.client.on("close", () => {
      clock.forget();
      this.abandon(connection.name);
    });
    this.opened = { connection, clock };
    return this.opened;
  }

  private async ready(connection: RedisConnection, clock: RedisClock): Promise<void> {
    await connection.whenReady();
    if (clock.known) return;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ConnectionError(`could not read the clock of ${connection.name} within ${connection.connectTimeout} ms`)),
        connection.connectTimeout,
      );
    });
    try {
      await Promise.race([clock.read(), expired]);
    } catch (error) {
      throw wrapError("reading the clock", connection.name, error);
    } finally {
      clearTimeout(timer);
    }
    if (!clock.known) throw new ConnectionError(`the connection to ${connection.name} closed while its clock was read`);
  }

  /** The connection closed: answers to what is on the wire will never come (nothing is resent). */
  private abandon(name: string): void {
    if (this.unanswered.size === 0) return;
    const lost = [...this.unanswered];
    this.logger.warn(
      `the connection to ${name} closed with ${lost.length} send(s) unanswered: rejected them with EnqueueUncertain ` +
        "(they may or may not be stored; sending the same messages again stores no second copy of one still queued)",
    );
    for (const { what, fail } of lost) {
      fail(new EnqueueUncertain(`the connection to ${name} closed before Redis answered ${what}, so it may or may not be stored`));
    }
  }
}

/** The error a send's answers amount to, or undefined when everything was stored. */
function outcome(what: string, name: string, results: readonly PromiseSettledResult<unknown>[]): Error | undefined {
  let stored = 0;
  let refused = 0;
  let certain: unknown;
  for (const result of results) {
    if (result.status === "fulfilled") {
      if (result.value === REFUSED) refused++;
      else stored++;
    } else if (result.reason instanceof ReplyError || neverSent(result.reason)) {
      // Redis answered with an error (nothing stored), or ioredis failed it before writing it.
      certain ??= result.reason;
    } else {
      return new EnqueueUncertain(`${what} failed on ${name} after it was sent, so it may or may not be stored`, {
        cause: result.reason,
      });
    }
  }
  const failed = refused + (certain === undefined ? 0 : 1);
  if (failed === 0) return undefined;
  if (stored > 0) {
    return new EnqueueUncertain(
      `${what} was stored only in part on ${name}; sending the same messages again stores just the missing ones`,
      { cause: certain },
    );
  }
  if (certain !== undefined) return wrapError(what, name, certain);
  return new ConnectionError(`${what} reached ${name} after its deadline, so Redis stored nothing`);
}

/** Errors ioredis raises for a command it never wrote (no offline queue, or the client has ended). */
function neverSent(error: unknown): boolean {
  return error instanceof Error && /Stream isn't writeable|Connection is closed/.test(error.message);
}
