import type { AnyActor } from "./actor.js";
import type { Broker } from "./broker.js";
import { optionKeys } from "./option-keys.js";

/** An error class (its constructor), as `throws` takes it: `instanceof` decides whether an error matches. */
export type ErrorClass = abstract new (...args: never[]) => Error;
/** An actor, or its name: callbacks travel on the wire by name, so either names the target. */
export type ActorLike = AnyActor | string;

/** Options an actor declares and one message may override (snake_case on the wire). */
export interface OverridableOptions {
  /** Retries after the first failure before the message is dead-lettered (`Retries`, default 20). */
  maxRetries?: number;
  /** Backoff before the first retry, in ms; it doubles with each retry (`Retries`, default 15 000). */
  minBackoff?: number;
  /** Upper bound of the backoff, in ms (`Retries`, default 7 days). */
  maxBackoff?: number;
  /** Ms an actor may run before its signal aborts and the run fails with `TimeLimitExceeded` (`TimeLimit`, default 600 000; 0 turns it off). */
  timeLimit?: number;
  /** Ms a thread actor's function gets once its time limit aborted its signal, before its thread is terminated (`TimeLimit`, default 1000). */
  timeLimitGrace?: number;
  /** Ms after `message_timestamp` past which the message is dead-lettered instead of run (`AgeLimit`, off by default). */
  maxAge?: number;
  /** Abort the actor's signal with `Shutdown` (retried) when its worker stops, instead of letting it finish (`ShutdownNotifications`). */
  notifyShutdown?: boolean;
  /** Actor enqueued with `(sourceMessage, result)` after a success (`Callbacks`). */
  onSuccess?: ActorLike;
  /** Actor enqueued with `(sourceMessage, { type, message })` after every failure, retried or not (`Callbacks`). */
  onFailure?: ActorLike;
  /** Actor enqueued with `(sourceMessage, { retries, max_retries })` when retries run out (`Retries`). */
  onRetryExhausted?: ActorLike;
  /** As a pipeline step, do not receive the previous step's result as a last argument (`Pipelines`). */
  pipeIgnore?: boolean;
  /** Store the outcome for `message.getResult()` (needs the `Results` middleware). */
  storeResults?: boolean;
  /** How long a stored result lives, in ms (`Results`, default 600 000). */
  resultTtl?: number;
}

/**
 * Options an actor may be declared with. Middleware packages add their own
 * options by augmenting this interface (`declare module "@troupe/core"`).
 */
export interface ActorOptions extends OverridableOptions {
  /** The queue its messages go to (default `"default"`); it must match `[a-zA-Z_][a-zA-Z0-9._-]*`. */
  queueName?: string;
  /** Worker-local ordering: lower runs first among fetched messages. Default 0. */
  priority?: number;
  /** Bind to this broker instead of the global one (`setBroker`). */
  broker?: Broker;
  /**
   * Whether the actor takes a message's `kwargs` (a Python producer's keyword arguments): `true`
   * calls it with `(...args, kwargs)` always (`kwargs` is `{}` when there are none); `"merge"` with
   * `(...args, kwargs)` when the message has some and `(...args)` when it has none, so that
   * `send(1, y=2)` from Python and `send(1, { y: 2 })` from Node both call `fn(1, { y: 2 })`.
   * Without it (default `false`), a message with keyword arguments is dead-lettered with a reason.
   */
  kwargs?: boolean | "merge";
  /** Decides whether to retry; `retries` counts the earlier retries. */
  retryWhen?: (retries: number, error: unknown) => boolean;
  /** Errors that are never retried. */
  throws?: ErrorClass | readonly ErrorClass[];
  /**
   * Where the function runs: `"event-loop"` (default) in the worker's own thread, or `"thread"`
   * in the worker's pool of `worker_threads` (`Worker({ threads })`), where synchronous code
   * never blocks the worker and a time limit or shutdown can stop it. A thread imports the
   * actor's module to find it; arguments and result cross as JSON (see docs/threads.md).
   */
  isolation?: "event-loop" | "thread";
  /**
   * The module a thread imports to find a thread actor, as a URL or absolute path; default:
   * the module that called `actor()`, read from the call stack. Pass `import.meta.url` (or
   * `__filename`) when declarations go through a helper module of your own.
   */
  threadModule?: string | URL;
}

/**
 * Options one message may override, sent in snake_case on the wire. Middleware of
 * your own adds options by augmenting this interface (`declare module "@troupe/core"`)
 * and naming them in its `actorOptions`; a name no middleware declares is refused.
 */
export interface MessageOptions extends OverridableOptions {
  /** RabbitMQ's native priority, higher first. */
  brokerPriority?: number;
  /** Milliseconds before the message may run. */
  delay?: number;
}

/** Every message may carry these, whichever middleware runs it: its consumer may be another process (or Dramatiq). */
const OVERRIDABLE_OPTIONS = optionKeys<OverridableOptions>({
  maxRetries: true,
  minBackoff: true,
  maxBackoff: true,
  timeLimit: true,
  timeLimitGrace: true,
  maxAge: true,
  notifyShutdown: true,
  onSuccess: true,
  onFailure: true,
  onRetryExhausted: true,
  pipeIgnore: true,
  storeResults: true,
  resultTtl: true,
});

/** Actor options core reads itself; the others are declared by middleware in `actorOptions`. */
export const CORE_ACTOR_OPTIONS: readonly (keyof ActorOptions)[] = [
  "queueName",
  "priority",
  "broker",
  "kwargs",
  "isolation",
  "threadModule",
];

/** Options of `sendWithOptions`, `sendMany` and `messageWithOptions` that need no middleware. */
export const CORE_MESSAGE_OPTIONS: ReadonlySet<string> = new Set([...OVERRIDABLE_OPTIONS, "brokerPriority", "delay", "args", "kwargs"]);
