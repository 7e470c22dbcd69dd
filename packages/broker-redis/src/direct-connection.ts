import { ConnectionError } from "@troupe/core";
import type { RedisConnection } from "./redis-connection.js";
import { defineScripts, runScript, type ScriptArg, type ScriptName } from "./redis-scripts.js";

/**
 * A connection of its own (for sends, and for a reader, which a blocked read may hold) that
 * writes each command at once (ioredis runs one auto-pipeline at a time, and one lost with
 * its connection would hold back every later command) and never queues one while
 * disconnected nor resends it after: a command is written once or fails. ioredis, told not to resend, drops what a closed
 * connection left unanswered without settling it: `answered` fails it instead.
 */
export class DirectConnection {
  readonly connection: RedisConnection;
  /** Rejects once the connection closes, for the commands written until then. */
  private lost!: Promise<never>;
  private fail!: (error: Error) => void;

  /** A duplicate of `shared`, named `<shared's name> (<purpose>)` in logs. */
  constructor(shared: RedisConnection, purpose: string) {
    this.connection = shared.duplicate(
      {
        lazyConnect: true,
        enableOfflineQueue: false,
        autoResendUnfulfilledCommands: false,
        enableAutoPipelining: false,
        commandTimeout: undefined,
      },
      purpose,
    );
    defineScripts(this.connection.client);
    this.renew();
    this.connection.client.on("close", () => {
      const fail = this.fail;
      this.renew();
      fail(new ConnectionError(`the connection to ${this.connection.name} closed before Redis answered`));
    });
  }

  /** A new `lost`, for the commands written from now on. */
  private renew(): void {
    this.lost = new Promise<never>((_, reject) => (this.fail = reject));
    this.lost.catch(() => {});
  }

  /** `reply`, failed when the connection closes first. */
  answered<T>(reply: Promise<T>): Promise<T> {
    return Promise.race([reply, this.lost]);
  }

  /**
   * Runs a script, written before the first await when the connection is ready, and bounded
   * by `connectTimeout` plus `blockedFor` (what it may wait behind a blocked read), after
   * which the connection is presumed dead and dropped.
   */
  script(name: ScriptName, args: ScriptArg[], blockedFor = 0): Promise<unknown> {
    const { connection } = this;
    const limit = connection.connectTimeout + blockedFor;
    return connection.bounded(
      `the ${name.slice(6).toLowerCase()} script`,
      () => {
        const stream = connection.stream;
        const reply = this.answered(runScript(connection.client, name, args));
        const timer = setTimeout(() => connection.dropStalled(stream, `a command got no answer within ${limit} ms`), limit);
        const clear = () => clearTimeout(timer);
        reply.then(clear, clear);
        return reply;
      },
      limit,
    );
  }
}
