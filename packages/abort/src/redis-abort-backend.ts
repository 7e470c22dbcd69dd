import { assertKnownOptions, optionKeys, redactUrl } from "@troupe/core";
import { Redis } from "ioredis";
import type { AbortBackend, AbortRequest, AbortWatch, AbortWatchHandlers } from "./abort-backend.js";
import { bounded, results } from "./bounded.js";
import { RedisAbortWatch } from "./redis-abort-watch.js";
import takeCancelsLua from "./take-cancels.lua";
import { abortKey, abortValue, CANCEL_VALUE, cancelKey, DEFAULT_NAMESPACE } from "./wire-format.js";

/** Options of `new RedisAbortBackend(options)`: a URL or a ready client. */
export interface RedisAbortBackendOptions {
  /** `redis://[:password@]host[:port][/db]` or `rediss://` (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** A ready ioredis client; each watch blocks on a duplicate of it. It is left open on close. */
  client?: Redis;
  /** Prefix of every key, as dramatiq-abort's (default `"dramatiq:aborts:"`). */
  namespace?: string;
  /** How long an operation may wait for an unreachable Redis before `ConnectionError`, ms (default 10 000). */
  connectTimeout?: number;
}

/** The client gains this command (see take-cancels.lua). */
const TAKE_CANCELS = "troupeTakeCancels";

type ScriptedRedis = Redis & { [TAKE_CANCELS](keyCount: number, ...keys: string[]): Promise<number[]> };

const REDIS_ABORT_BACKEND_OPTIONS = optionKeys<RedisAbortBackendOptions>({
  url: true,
  client: true,
  namespace: true,
  connectTimeout: true,
});

/**
 * Abort requests in Redis, in the layout of Python dramatiq-abort's Redis backend, so
 * that either side aborts the other's messages: a request RPUSHes `{}` onto
 * `<namespace>cancel:<id>` and, for mode abort, `{"abort_timeout": ms}` (or `{}`) onto
 * `<namespace>abort:<id>`, each with a PEXPIRE, in one transaction. Workers LPOP the
 * cancel entries of the messages they start (one script call per batch) and BLPOP the
 * abort entries of those they run, on one blocking connection per watch.
 */
export class RedisAbortBackend implements AbortBackend {
  /** The ioredis client for requests and cancel checks (watches block on duplicates of it). */
  readonly client: Redis;
  /** The prefix of every key. */
  readonly namespace: string;
  /** How long an operation waits for an unreachable Redis, ms. */
  readonly connectTimeout: number;
  private readonly owned: boolean;
  private readonly label: string;
  private readonly watches = new Set<RedisAbortWatch>();

  constructor(options: RedisAbortBackendOptions = {}) {
    assertKnownOptions("RedisAbortBackend", options, REDIS_ABORT_BACKEND_OPTIONS);
    this.namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.connectTimeout = options.connectTimeout ?? 10_000;
    if (options.client) {
      this.client = options.client;
      this.owned = false;
      this.label = "Redis";
    } else {
      const url = options.url ?? "redis://127.0.0.1:6379";
      this.client = new Redis(url, {
        lazyConnect: true,
        connectTimeout: this.connectTimeout,
        maxRetriesPerRequest: null,
        retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
      });
      this.owned = true;
      this.label = `Redis at ${redactUrl(url)}`;
    }
    this.client.on("error", () => {});
    this.client.defineCommand(TAKE_CANCELS, { lua: takeCancelsLua });
  }

  async request(messageId: string, request: AbortRequest, ttl: number): Promise<void> {
    const ms = Math.max(1, Math.round(ttl));
    const cancel = cancelKey(this.namespace, messageId);
    const transaction = this.client.multi().rpush(cancel, CANCEL_VALUE).pexpire(cancel, ms);
    if (request.mode === "abort") {
      const key = abortKey(this.namespace, messageId);
      transaction.rpush(key, abortValue(request.abortTimeout)).pexpire(key, ms);
    }
    results(await bounded("storing an abort request", this.label, this.connectTimeout, () => transaction.exec()));
  }

  async takeCancels(messageIds: readonly string[]): Promise<boolean[]> {
    if (messageIds.length === 0) return [];
    const keys = messageIds.map((id) => cancelKey(this.namespace, id));
    const client = this.client as ScriptedRedis;
    const popped = await bounded("looking for cancel requests", this.label, this.connectTimeout, () =>
      client[TAKE_CANCELS](keys.length, ...keys),
    );
    return popped.map((taken) => taken === 1);
  }

  watch(handlers: AbortWatchHandlers): AbortWatch {
    const watch = new RedisAbortWatch({
      client: this.client,
      namespace: this.namespace,
      label: this.label,
      connectTimeout: this.connectTimeout,
      handlers,
      onClose: () => this.watches.delete(watch),
    });
    this.watches.add(watch);
    return watch;
  }

  /** Closes the watches' connections, and the client when the backend created it. */
  async close(): Promise<void> {
    await Promise.all([...this.watches].map((watch) => watch.close()));
    if (!this.owned) return;
    // QUIT would wait for a connection that may never come back.
    if (this.client.status !== "ready") {
      this.client.disconnect();
      return;
    }
    await bounded("closing", this.label, this.connectTimeout, () => this.client.quit()).catch(() => {});
    this.client.disconnect();
  }
}
