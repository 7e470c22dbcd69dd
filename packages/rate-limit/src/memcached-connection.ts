import { ConnectionError } from "@troupe/core";
import type { Client, Response } from "memjs";

type MemjsModule = typeof import("memjs");

const OP_GET = 0x00;
const OP_SET = 0x01;
const OP_ADD = 0x02;
const OP_INCR = 0x05;
const OP_DECR = 0x06;
const STATUS_OK = 0;
const STATUS_NOT_FOUND = 1;
const STATUS_EXISTS = 2;
const STATUS_NOT_STORED = 5;
// memcached reads expirations above 30 days as a unix time.
const RELATIVE_LIMIT = 30 * 24 * 3600;
// An incr/decr expiration of all ones means "fail on a missing key" instead of creating it with flags 0.
const NO_CREATE = 0xffffffff;

/** A whole-second memcached expiration for a TTL in ms, rounded up so it never becomes 0 ("never"). */
export function expirationFor(ttl: number, now = Date.now()): number {
  const seconds = Math.max(1, Math.ceil(ttl / 1000));
  return seconds > RELATIVE_LIMIT ? Math.ceil(now / 1000) + seconds : seconds;
}

/** A counter as memcached stores it; `decr` can leave trailing spaces ("9 "). */
export function parseCounter(text: string): number {
  const value = Number.parseInt(text.trim(), 10);
  return Number.isNaN(value) ? 0 : value;
}

/**
 * The few memcached binary commands the backend needs, sent through memjs's
 * `perform` because memjs's own helpers cannot set item flags or refuse to create
 * a missing counter. Driver failures become `ConnectionError`s.
 */
export class MemcachedConnection {
  constructor(
    readonly client: Client,
    private readonly memjs: MemjsModule,
  ) {}

  async get(key: string): Promise<{ value: string; flags: number } | undefined> {
    const response = await this.send("get", key, OP_GET, "", "");
    if (response.header.status === STATUS_NOT_FOUND) return undefined;
    this.expect(response, "get", [STATUS_OK]);
    const flags = response.extras.length >= 4 ? response.extras.readUInt32BE(0) : 0;
    return { value: response.val.toString("utf8"), flags };
  }

  /** Stores `value` only if `key` is absent; false when it exists. */
  async add(key: string, value: string, flags: number, ttl: number): Promise<boolean> {
    const response = await this.send("add", key, OP_ADD, storageExtras(flags, ttl), value);
    return this.expect(response, "add", [STATUS_OK, STATUS_EXISTS, STATUS_NOT_STORED]) === STATUS_OK;
  }

  async set(key: string, value: string, flags: number, ttl: number): Promise<void> {
    this.expect(await this.send("set", key, OP_SET, storageExtras(flags, ttl), value), "set", [STATUS_OK]);
  }

  /** Adds to an existing counter; undefined when the key is missing. Keeps the item's flags and TTL. */
  incr(key: string, amount: number): Promise<number | undefined> {
    return this.counter("incr", OP_INCR, key, amount);
  }

  /** Subtracts from an existing counter, stopping at 0; undefined when the key is missing. */
  decr(key: string, amount: number): Promise<number | undefined> {
    return this.counter("decr", OP_DECR, key, amount);
  }

  private async counter(name: string, opcode: number, key: string, amount: number): Promise<number | undefined> {
    const extras = Buffer.alloc(20);
    extras.writeBigUInt64BE(BigInt(amount), 0);
    extras.writeUInt32BE(NO_CREATE, 16);
    const response = await this.send(name, key, opcode, extras, "");
    if (this.expect(response, name, [STATUS_OK, STATUS_NOT_FOUND]) === STATUS_NOT_FOUND) return undefined;
    return Number(response.val.readBigUInt64BE(0));
  }

  private send(name: string, key: string, opcode: number, extras: Buffer | string, value: string): Promise<Response> {
    const client = this.client;
    client.incrSeq();
    const request = this.memjs.Utils.makeRequestBuffer(opcode, key, extras, value, client.seq);
    return new Promise((resolve, reject) => {
      // One attempt: memjs would otherwise resend an incr whose reply was merely late.
      client.perform(
        key,
        request,
        client.seq,
        (error, response: Response) => {
          if (error) reject(new ConnectionError(`memcached ${name} of "${key}" failed: ${error.message}`, { cause: error }));
          else resolve(response);
        },
        1,
      );
    });
  }

  private expect(response: Response, name: string, allowed: number[]): number {
    const status = response.header.status;
    if (allowed.includes(status)) return status;
    throw new ConnectionError(`memcached ${name} failed with status ${status}: ${response.val.toString("utf8") || "no details"}`);
  }
}

function storageExtras(flags: number, ttl: number): Buffer {
  const extras = Buffer.alloc(8);
  extras.writeUInt32BE(flags, 0);
  extras.writeUInt32BE(expirationFor(ttl), 4);
  return extras;
}
