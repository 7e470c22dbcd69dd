import type { Broker } from "./broker.js";
import type { MessageContext } from "./current-message.js";
import { type Encoder, JsonEncoder, type MessageData } from "./encoder.js";
import { uuid4 } from "./ids.js";
import type { JsonObject, JsonValue } from "./json.js";
import type { GetResultOptions } from "./results/result-backend.js";
import { resultBackendOf } from "./results/results.js";

const defaultEncoder = new JsonEncoder();

/** What a `Message` is built from; usually `actor.message(...)` builds it for you. */
export interface MessageInit<Args extends readonly unknown[]> {
  /** The queue the message is stored in (`q`, or `q.DQ` while delayed). */
  queueName: string;
  /** The actor to run. */
  actorName: string;
  /** Positional arguments. */
  args: Args;
  /** Keyword arguments, for Python actors (default `{}`). */
  kwargs?: JsonObject;
  /** Wire options, snake_case (default `{}`). */
  options?: Record<string, unknown>;
  /** Default: a new uuid4. */
  messageId?: string;
  /** Default: now, in ms. */
  messageTimestamp?: number;
}

let readRun: (message: Message) => MessageContext | undefined;
let writeRun: (message: Message, run: MessageContext | undefined) => void;

/** The run in progress of a message a worker is processing (for the worker, `currentMessage` and time limits). */
export const runOf = (message: Message): MessageContext | undefined => readRun(message);

/** Sets (or clears, with undefined) the run in progress of a message. */
export const setRunOf = (message: Message, run: MessageContext | undefined): void => writeRun(message, run);

/**
 * A message: what an actor should run, with which arguments and options.
 * `options` holds the wire (snake_case) keys, including foreign middleware state,
 * so a message read from Dramatiq re-encodes with nothing lost.
 * `Args` and `R` carry the actor's argument and result types to `getResult`.
 */
export class Message<Args extends readonly unknown[] = readonly unknown[], R = unknown> {
  /** The queue the bytes are stored in: `q`, or `q.DQ` for a delayed message. */
  readonly queueName: string;
  /** The actor to run. */
  readonly actorName: string;
  /** Positional arguments; a pipeline appends the previous step's result. */
  readonly args: Args;
  /** Keyword arguments (from Python producers; Troupe sends `{}`). */
  readonly kwargs: JsonObject;
  /** Middleware state under its wire (snake_case) names: `retries`, `eta`, `max_retries`, … */
  readonly options: Record<string, unknown>;
  /** uuid4, stable across retries and delays; it keys the stored result. */
  readonly messageId: string;
  /** When the message was built (producer clock, ms); `maxAge` counts from it. */
  readonly messageTimestamp: number;
  /** Set by middleware when the message must go to the dead-letter queue. Not encoded. */
  failed = false;
  /** The error of the last failed run, for middleware that store or report it. Not encoded. */
  lastError: unknown;
  /** The broker this message was sent through, for `getResult`. Not encoded. */
  broker: Broker | undefined;
  // The run in progress while a worker processes the message: a field rather than a WeakMap,
  // since ephemeron tables cost the GC dearly at 100k messages/s. Private; see `runOf`.
  #run: MessageContext | undefined = undefined;
  /** Phantom field that keeps the result type. */
  declare readonly __result?: R;

  static {
    readRun = (message) => message.#run;
    writeRun = (message, run) => {
      message.#run = run;
    };
  }

  constructor(init: MessageInit<Args>) {
    this.queueName = init.queueName;
    this.actorName = init.actorName;
    this.args = init.args;
    this.kwargs = init.kwargs ?? {};
    this.options = init.options ?? {};
    this.messageId = init.messageId ?? uuid4();
    this.messageTimestamp = init.messageTimestamp ?? Date.now();
  }

  /** The wire object: Dramatiq's seven keys, always in Dramatiq's order. */
  toJSON(): MessageData {
    return {
      queue_name: this.queueName,
      actor_name: this.actorName,
      args: this.args as unknown as JsonValue[],
      kwargs: this.kwargs,
      options: this.options,
      message_id: this.messageId,
      message_timestamp: this.messageTimestamp,
    };
  }

  /** A message from its wire object (already parsed and validated). */
  static fromJSON<A extends readonly unknown[] = readonly unknown[], T = unknown>(data: MessageData): Message<A, T> {
    return new Message<A, T>({
      queueName: data.queue_name,
      actorName: data.actor_name,
      args: data.args as unknown as A,
      kwargs: data.kwargs,
      options: data.options,
      messageId: data.message_id,
      messageTimestamp: data.message_timestamp,
    });
  }

  /** The bytes to store: compact JSON by default. */
  encode(encoder: Encoder = defaultEncoder): string | Buffer {
    return encoder.encode(this.toJSON());
  }

  /** Parses stored bytes; throws `DecodeError` for anything that is not a valid envelope. */
  static decode(raw: string | Buffer, encoder: Encoder = defaultEncoder): Message {
    return Message.fromJSON(encoder.decode(raw));
  }

  /**
   * A new message with the same identity. `options` are merged: existing keys keep
   * their position (as Python dicts do), `undefined` removes a key.
   */
  copy(changes: { queueName?: string; args?: Args; options?: Record<string, unknown> } = {}): Message<Args, R> {
    let options = this.options;
    if (changes.options) {
      options = { ...this.options };
      for (const key in changes.options) {
        const value = changes.options[key];
        if (value === undefined) delete options[key];
        else options[key] = value;
      }
    }
    const copy = new Message<Args, R>({
      queueName: changes.queueName ?? this.queueName,
      actorName: this.actorName,
      args: changes.args ?? this.args,
      kwargs: this.kwargs,
      options,
      messageId: this.messageId,
      messageTimestamp: this.messageTimestamp,
    });
    copy.broker = this.broker;
    return copy;
  }

  /** Marks the message as failed: the worker nacks it to the dead-letter queue. */
  fail(): void {
    this.failed = true;
  }

  /** The stored result. Needs the `Results` middleware on the message's broker. */
  getResult(options: GetResultOptions = {}): Promise<R> {
    return resultBackendOf(this.broker, options.backend).getResult(this, options) as Promise<R>;
  }

  /** `actor_name(message_id)`, as log lines name a message. */
  toString(): string {
    return `${this.actorName}(${this.messageId})`;
  }
}
