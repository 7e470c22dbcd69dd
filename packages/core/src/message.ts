import type { Broker } from "./broker.js";
import type { MessageContext } from "./current-message.js";
import { type Encoder, JsonEncoder, type MessageData } from "./encoder.js";
import { uuid4 } from "./ids.js";
import type { JsonObject, JsonValue } from "./json.js";
import type { GetResultOptions } from "./results/result-backend.js";
import { resultBackendOf } from "./results/results.js";

const defaultEncoder = new JsonEncoder();

export interface MessageInit<Args extends readonly unknown[]> {
  queueName: string;
  actorName: string;
  args: Args;
  kwargs?: JsonObject;
  options?: Record<string, unknown>;
  messageId?: string;
  messageTimestamp?: number;
}

/**
 * A message: what an actor should run, with which arguments and options.
 * `options` holds the wire (snake_case) keys, including foreign middleware state,
 * so a message read from Dramatiq re-encodes with nothing lost.
 * `Args` and `R` carry the actor's argument and result types to `getResult`.
 */
export class Message<Args extends readonly unknown[] = readonly unknown[], R = unknown> {
  readonly queueName: string;
  readonly actorName: string;
  readonly args: Args;
  readonly kwargs: JsonObject;
  readonly options: Record<string, unknown>;
  readonly messageId: string;
  readonly messageTimestamp: number;
  /** Set by middleware when the message must go to the dead-letter queue. Not encoded. */
  failed = false;
  /** The error of the last failed run, for middleware that store or report it. Not encoded. */
  lastError: unknown;
  /** The broker this message was sent through, for `getResult`. Not encoded. */
  broker: Broker | undefined;
  /** @internal the run in progress, while a worker processes the message. Not encoded. */
  context: MessageContext | undefined;
  /** Phantom field that keeps the result type. */
  declare readonly __result?: R;

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

  encode(encoder: Encoder = defaultEncoder): string | Buffer {
    return encoder.encode(this.toJSON());
  }

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

  toString(): string {
    return `${this.actorName}(${this.messageId})`;
  }
}
