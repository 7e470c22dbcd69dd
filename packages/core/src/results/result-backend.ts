import { createHash } from "node:crypto";
import { errorTypeName } from "../error-type-name.js";
import type { Message } from "../message.js";
import { assertKnownOptions, optionKeys } from "../option-keys.js";
import { canonicalQueueName } from "../queues.js";
import { ResultFailure, ResultMissing, ResultTimeout } from "../result-errors.js";

/** Options of `message.getResult()` and `ResultBackend.getResult()`. */
export interface GetResultOptions {
  /** Wait for the result instead of failing with `ResultMissing` at once. */
  block?: boolean;
  /** How long to wait when blocking (ms, default 10 000); then `ResultTimeout`. */
  timeout?: number;
  /** Read from this backend instead of the message broker's `Results` backend. */
  backend?: ResultBackend;
}

/** The marker Dramatiq stores for a final failure. */
export interface FailureMarker {
  /** Dramatiq's tag for a stored failure. */
  __t: "dramatiq.results.Result";
  /** The error: its class name and message. */
  exn: {
    /** The error's class name, e.g. `"ValueError"` or `"TimeLimitExceeded"`. */
    type: string;
    /** The error's message. */
    msg: string;
  };
}

const GET_RESULT_OPTIONS = optionKeys<GetResultOptions>({ block: true, timeout: true, backend: true });

/** How long results live unless `resultTtl` says otherwise: 10 minutes, as Dramatiq. */
export const DEFAULT_RESULT_TTL = 600_000;
const DEFAULT_TIMEOUT = 10_000;

/** The stored key of a message's result: Dramatiq's md5 of namespace, queue, actor and message id. */
export function resultKey(message: Pick<Message, "queueName" | "actorName" | "messageId">, namespace = "dramatiq-results"): string {
  const raw = `${namespace}:${canonicalQueueName(message.queueName)}:${message.actorName}:${message.messageId}`;
  return createHash("md5").update(raw).digest("hex");
}

/**
 * Stores and reads actor results. An adapter implements the two-method surface
 * `read` / `write` (and `waitFor` when it can block natively); encoding, keys,
 * failures and polling live here.
 */
export abstract class ResultBackend {
  /** The stored value (JSON text) of `key`, or undefined when absent. */
  protected abstract read(key: string): Promise<string | undefined>;
  /** Stores `value` (JSON text) under `key` for `ttl` ms. */
  protected abstract write(key: string, value: string, ttl: number): Promise<void>;

  /** The key a message's result is stored under; backends with a `namespace` option override it. */
  protected keyFor(message: Message<readonly unknown[], unknown>): string {
    return resultKey(message);
  }

  /** Waits up to `timeout` ms for `key` to appear. The default polls with backoff. */
  protected async waitFor(key: string, timeout: number): Promise<string | undefined> {
    const deadline = Date.now() + timeout;
    let pause = 5;
    for (;;) {
      const value = await this.read(key);
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      pause = Math.min(pause * 2, 250);
    }
  }

  /** Stores a result (JSON) for `ttl` ms. */
  async storeResult(message: Message<readonly unknown[], unknown>, result: unknown, ttl: number = DEFAULT_RESULT_TTL): Promise<void> {
    await this.write(this.keyFor(message), JSON.stringify(result ?? null), ttl);
  }

  /** Stores the failure marker of a message that failed for good, for `ttl` ms. */
  async storeException(message: Message<readonly unknown[], unknown>, error: unknown, ttl: number = DEFAULT_RESULT_TTL): Promise<void> {
    const marker: FailureMarker = {
      __t: "dramatiq.results.Result",
      exn: { type: errorTypeName(error), msg: error instanceof Error ? error.message : String(error) },
    };
    await this.write(this.keyFor(message), JSON.stringify(marker), ttl);
  }

  /**
   * The stored result of a message. Throws `ResultMissing` when none is stored (or, with
   * `block`, `ResultTimeout` after `timeout`), and `ResultFailure` for a stored failure.
   */
  async getResult<R = unknown>(message: Message<readonly unknown[], R>, options: GetResultOptions = {}): Promise<R> {
    assertKnownOptions("getResult", options, GET_RESULT_OPTIONS);
    const key = this.keyFor(message);
    const timeout = options.timeout ?? DEFAULT_TIMEOUT;
    const raw = options.block ? await this.waitFor(key, timeout) : await this.read(key);
    if (raw === undefined) {
      throw options.block ? new ResultTimeout(message.messageId, timeout) : new ResultMissing(message.messageId);
    }
    const value = JSON.parse(raw) as unknown;
    if (typeof value === "object" && value !== null && (value as FailureMarker).__t === "dramatiq.results.Result") {
      const { exn } = value as FailureMarker;
      throw new ResultFailure(exn?.type ?? "Error", exn?.msg ?? "");
    }
    return value as R;
  }
}
