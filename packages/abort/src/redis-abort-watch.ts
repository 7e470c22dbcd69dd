import { uuid4 } from "@troupe/core";
import type { Redis } from "ioredis";
import type { AbortWatch, AbortWatchHandlers } from "./abort-backend.js";
import { bounded } from "./bounded.js";
import { abortKey, readAbortTimeout } from "./wire-format.js";

/** Seconds one BLPOP blocks: also how soon a lost wake-up or a finished message is caught up with. */
const BLOCK_SECONDS = 2;
/** How long the watch lets new messages gather before it re-arms its BLPOP for them, ms. */
const REARM_DELAY = 10;
/** A wake-up entry that no BLPOP took (the watch died) expires after this, ms. */
const WAKE_TTL = 60_000;

interface RedisAbortWatchInit {
  client: Redis;
  namespace: string;
  label: string;
  connectTimeout: number;
  handlers: AbortWatchHandlers;
  onClose: () => void;
}

/**
 * BLPOPs the abort keys of the messages being watched on a connection of its own.
 * Redis cannot add a key to a BLPOP that is blocking, so a new message wakes it: an
 * entry pushed onto this watch's own wake-up key (listed in the BLPOP too) returns
 * it, and it blocks again on the new set. Requests are lists, so one stored while
 * the BLPOP is re-armed is taken by the next one. New messages are gathered for
 * `REARM_DELAY` ms, so a busy worker wakes the watch at most that often, not per
 * message; finished messages are dropped at the next re-arm.
 */
export class RedisAbortWatch implements AbortWatch {
  private readonly ids = new Set<string>();
  private readonly wakeKey: string;
  private readonly abortPrefix: string;
  private connection: Redis;
  private loop: Promise<void> | undefined;
  private blocked = false;
  /** Messages were added since the BLPOP blocking now was armed. */
  private stale = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private endPause: (() => void) | undefined;

  constructor(private readonly init: RedisAbortWatchInit) {
    // Not dramatiq-abort's key, but in its namespace: a peer never reads it.
    this.wakeKey = `${init.namespace}wake:${uuid4()}`;
    this.abortPrefix = abortKey(init.namespace, "");
    this.connection = this.connect();
  }

  add(messageId: string): void {
    if (this.closed) return;
    this.ids.add(messageId);
    if (!this.loop) this.loop = this.run();
    else if (this.blocked) {
      this.stale = true;
      this.wakeSoon();
    }
  }

  delete(messageId: string): void {
    this.ids.delete(messageId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ids.clear();
    clearTimeout(this.wakeTimer);
    this.endPause?.();
    this.connection.disconnect();
    await this.loop;
    this.init.onClose();
  }

  private connect(): Redis {
    const connection = this.init.client.duplicate();
    connection.on("error", () => {});
    return connection;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    let failing = false;
    while (!this.closed && this.ids.size > 0) {
      const keys = [this.wakeKey];
      for (const id of this.ids) keys.push(abortKey(this.init.namespace, id));
      this.blocked = true;
      this.stale = false;
      let popped: [string, string] | null;
      try {
        popped = await this.block(keys);
      } catch (error) {
        this.blocked = false;
        if (this.closed) break;
        if (!failing) this.init.handlers.onError(error);
        failing = true;
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, 5_000);
        continue;
      }
      this.blocked = false;
      failing = false;
      backoff = 100;
      if (popped && popped[0] !== this.wakeKey) this.deliver(popped[0], popped[1]);
    }
    this.loop = undefined;
  }

  private async block(keys: string[]): Promise<[string, string] | null> {
    const connection = this.connection;
    try {
      return await bounded("watching for abort requests", this.init.label, BLOCK_SECONDS * 1000 + this.init.connectTimeout, () =>
        connection.blpop(keys, BLOCK_SECONDS),
      );
    } catch (error) {
      // A connection whose BLPOP got no answer may still be blocked: start afresh.
      if (!this.closed) {
        connection.disconnect();
        this.connection = this.connect();
      }
      throw error;
    }
  }

  private deliver(key: string, value: string): void {
    if (!key.startsWith(this.abortPrefix)) return;
    const id = key.slice(this.abortPrefix.length);
    // A finished message's key may still be in the BLPOP: its request has nothing left to stop.
    if (!this.ids.delete(id)) return;
    this.init.handlers.onAbort(id, readAbortTimeout(value));
  }

  private wakeSoon(): void {
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      if (!this.blocked || !this.stale || this.closed) return;
      // A lost wake-up costs at most one BLOCK_SECONDS: the BLPOP then re-arms by itself.
      this.init.client
        .multi()
        .rpush(this.wakeKey, "1")
        .pexpire(this.wakeKey, WAKE_TTL)
        .exec()
        .catch(() => {});
    }, REARM_DELAY);
    this.wakeTimer.unref();
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.endPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
