import type { AnyActor } from "./actor.js";
import type { Broker } from "./broker.js";

export type ErrorClass = abstract new (...args: never[]) => Error;
export type ActorLike = AnyActor | string;

/** Options an actor declares and one message may override (snake_case on the wire). */
export interface OverridableOptions {
  maxRetries?: number;
  minBackoff?: number;
  maxBackoff?: number;
  timeLimit?: number;
  maxAge?: number;
  notifyShutdown?: boolean;
  onSuccess?: ActorLike;
  onFailure?: ActorLike;
  onRetryExhausted?: ActorLike;
  pipeIgnore?: boolean;
  storeResults?: boolean;
  resultTtl?: number;
}

/**
 * Options an actor may be declared with. Middleware packages add their own
 * options by augmenting this interface (`declare module "@troupe/core"`).
 */
export interface ActorOptions extends OverridableOptions {
  queueName?: string;
  /** Worker-local ordering: lower runs first among fetched messages. Default 0. */
  priority?: number;
  broker?: Broker;
  /** Accept a foreign producer's non-empty `kwargs` as a final plain-object argument. */
  kwargs?: boolean;
  /** Decides whether to retry; `retries` counts the earlier retries. */
  retryWhen?: (retries: number, error: unknown) => boolean;
  /** Errors that are never retried. */
  throws?: ErrorClass | readonly ErrorClass[];
}

/** Options one message may override, sent in snake_case on the wire. */
export interface MessageOptions extends OverridableOptions {
  /** RabbitMQ's native priority, higher first. */
  brokerPriority?: number;
  /** Milliseconds before the message may run. */
  delay?: number;
  /** Any other option is passed through, snake_cased, for middleware of your own. */
  [option: string]: unknown;
}
