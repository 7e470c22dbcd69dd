const MARKER = Symbol.for("troupe.error");

/** The stable `code` of every Troupe error: match on it rather than on messages, which may change. */
export type TroupeErrorCode =
  | "ACTOR_NOT_FOUND"
  | "DUPLICATE_ACTOR"
  | "QUEUE_NOT_FOUND"
  | "QUEUE_JOIN_TIMEOUT"
  | "WORKER_JOIN_TIMEOUT"
  | "UNRUNNABLE_MESSAGES"
  | "WAIT_FOR_TIMEOUT"
  | "CONNECTION_ERROR"
  | "ENQUEUE_UNCERTAIN"
  | "SUCCESSOR_NOT_ENQUEUED"
  | "DECODE_ERROR"
  | "MESSAGE_TOO_LARGE"
  | "RATE_LIMIT_EXCEEDED"
  | "TIME_LIMIT_EXCEEDED"
  | "RESULT_MISSING"
  | "RESULT_TIMEOUT"
  | "RESULT_FAILURE"
  | "MIDDLEWARE_ERROR"
  | "SKIP_MESSAGE"
  | "RETRY"
  | "SHUTDOWN"
  | "INVALID_OPTION"
  | "BROKER_NOT_SET"
  | "EVENT_LOOP_BLOCKED"
  | "MODULE_LOAD_ERROR"
  | "PID_FILE_ERROR"
  | "NOT_SUPPORTED"
  | "THREAD_MODULE_ERROR"
  | "THREAD_ARGUMENT_ERROR"
  | "THREAD_RESULT_ERROR"
  | "ABORTED";

/**
 * The base of every error Troupe throws. `isInstance` checks a `Symbol.for`
 * marker rather than the prototype, so it holds across duplicate installs.
 */
export class TroupeError extends Error {
  /** The codes of this error's class and of its Troupe superclasses, most specific first. */
  readonly [MARKER]: readonly TroupeErrorCode[];
  /** This error's stable code, e.g. `"CONNECTION_ERROR"`. */
  readonly code: TroupeErrorCode;

  constructor(code: TroupeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    // A subclass of a coded class (EnqueueUncertain of ConnectionError) passes its parent's
    // code up through the parent's constructor; its own static code wins.
    this.code = (new.target as unknown as typeof TroupeError).code ?? code;
    this.name = new.target.name;
    this[MARKER] = classCodes(new.target, this.code);
  }

  /** The code of this class's errors: `isInstance` on a subclass matches it. */
  static readonly code: TroupeErrorCode | undefined = undefined;

  /**
   * True for an error of this class or a subclass (by code) from any copy of Troupe;
   * on `TroupeError` itself, for every Troupe error.
   */
  static isInstance<T extends abstract new (...args: never[]) => TroupeError>(this: T, value: unknown): value is InstanceType<T> {
    if (typeof value !== "object" || value === null) return false;
    const codes = (value as Record<symbol, unknown>)[MARKER];
    if (!Array.isArray(codes)) return false;
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass isInstance was called on
    const code = (this as unknown as typeof TroupeError).code;
    return code === undefined || codes.includes(code);
  }
}

function classCodes(target: unknown, own: TroupeErrorCode): TroupeErrorCode[] {
  const codes = [own];
  for (let c = Object.getPrototypeOf(target); c && c !== TroupeError; c = Object.getPrototypeOf(c)) {
    if (Object.hasOwn(c, "code") && c.code && !codes.includes(c.code)) codes.push(c.code);
  }
  return codes;
}

/** A message names an actor this broker has not declared: the worker dead-letters it. */
export class ActorNotFound extends TroupeError {
  static override readonly code = "ACTOR_NOT_FOUND";
  constructor(actorName: string) {
    super(
      ActorNotFound.code,
      `actor "${actorName}" is not declared on this broker: import the module that declares it before starting the worker`,
    );
  }
}

/** A second, different actor was declared under a name already taken on the broker (declaring the same actor again is fine). */
export class DuplicateActor extends TroupeError {
  static override readonly code = "DUPLICATE_ACTOR";
  constructor(actorName: string) {
    super(
      DuplicateActor.code,
      `another actor named "${actorName}" is already declared on this broker: actor names are their identity on the wire, so each must be unique`,
    );
  }
}

/** An operation names a queue this broker has not declared. */
export class QueueNotFound extends TroupeError {
  static override readonly code = "QUEUE_NOT_FOUND";
  constructor(queueName: string) {
    super(QueueNotFound.code, `queue "${queueName}" is not declared on this broker`);
  }
}

/** `broker.join(queue, { timeout })` gave up before the queue drained. */
export class QueueJoinTimeout extends TroupeError {
  static override readonly code = "QUEUE_JOIN_TIMEOUT";
  constructor(queueName: string, timeout: number) {
    super(QueueJoinTimeout.code, `queue "${queueName}" did not drain within ${timeout} ms`);
  }
}

/** `worker.join({ timeout })` gave up before the worker was done. */
export class WorkerJoinTimeout extends TroupeError {
  static override readonly code = "WORKER_JOIN_TIMEOUT";
  constructor(timeout: number) {
    super(WorkerJoinTimeout.code, `the worker still had messages running, buffered or due after ${timeout} ms`);
  }
}

/** The broker or a backend could not be reached or failed; the driver's error is its `cause`. */
export class ConnectionError extends TroupeError {
  static override readonly code: TroupeErrorCode = "CONNECTION_ERROR";
  constructor(message: string, options?: { cause?: unknown }) {
    super(ConnectionError.code, message, options);
  }
}

/**
 * The connection failed after an enqueue left this process, so whether the broker
 * stored the message is unknown. On Redis, sending the same `Message` object again
 * is safe (enqueue is idempotent per message copy); RabbitMQ does not deduplicate,
 * so a resend there may leave two copies.
 */
export class EnqueueUncertain extends ConnectionError {
  static override readonly code = "ENQUEUE_UNCERTAIN";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Raised by an after-hook that could not write what replaces or follows the message
 * being processed: its retry copy, a callback, the next pipeline step, a group's
 * completion callbacks. The worker then does not ack the message: while the broker
 * is unreachable (`permanent` false) it goes back to its queue and runs again; when
 * the successor can never be written (it cannot be encoded, or is refused) it is
 * dead-lettered with this reason. Other after-hook errors are only logged.
 */
export class SuccessorNotEnqueued extends TroupeError {
  static override readonly code = "SUCCESSOR_NOT_ENQUEUED";
  /** What could not be written, e.g. "the retry of send_email(…)". */
  readonly successor: string;
  /** True when writing it again cannot help; by default, unless the cause is a `ConnectionError`. */
  readonly permanent: boolean;
  constructor(successor: string, cause: unknown, options: { permanent?: boolean } = {}) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(SuccessorNotEnqueued.code, `could not enqueue ${successor}: ${reason}`, { cause });
    this.successor = successor;
    this.permanent = options.permanent ?? !ConnectionError.isInstance(cause);
  }
}

/** Bytes that are not a valid message (bad JSON, `NaN`, a missing or unknown key): dead-lettered with this reason. */
export class DecodeError extends TroupeError {
  static override readonly code = "DECODE_ERROR";
  constructor(message: string, options?: { cause?: unknown }) {
    super(DecodeError.code, message, options);
  }
}

/** A message whose encoding exceeds the broker's `maxMessageSize`, refused before it is sent. */
export class MessageTooLarge extends TroupeError {
  static override readonly code = "MESSAGE_TOO_LARGE";
  constructor(size: number, limit: number) {
    super(
      MessageTooLarge.code,
      `message is ${size} bytes, over the broker's limit of ${limit} bytes: store large payloads elsewhere and send a reference`,
    );
  }
}

/** An actor ran past its `timeLimit`: its signal aborts with this error and the run fails (and is retried). */
export class TimeLimitExceeded extends TroupeError {
  static override readonly code = "TIME_LIMIT_EXCEEDED";
  constructor(timeLimit: number) {
    super(TimeLimitExceeded.code, `actor exceeded its time limit of ${timeLimit} ms`);
  }
}

/**
 * Raised by a before-hook to abort an operation (an enqueue, a message). Only this error and
 * its subclasses do: any other error a hook throws is logged and the work goes on, as in Dramatiq.
 */
export class MiddlewareError extends TroupeError {
  static override readonly code: TroupeErrorCode = "MIDDLEWARE_ERROR";
  constructor(message: string, options?: { cause?: unknown }) {
    super(MiddlewareError.code, message, options);
  }
}

/** Thrown by `beforeProcessMessage` to skip the actor; the message is acked (or nacked when failed). A `MiddlewareError`, as in Dramatiq. */
export class SkipMessage extends MiddlewareError {
  static override readonly code = "SKIP_MESSAGE";
  constructor(message = "message skipped") {
    super(message);
  }
}

/**
 * A rate limiter had no slot; thrown inside an actor it fails the run, and Retries retries it
 * quietly. A `MiddlewareError`, so that the `rateLimit` option's before-hook can fail a message with it.
 */
export class RateLimitExceeded extends MiddlewareError {
  static override readonly code = "RATE_LIMIT_EXCEEDED";
  constructor(message: string) {
    super(message);
  }
}

/** Thrown by an actor to ask for a retry, optionally after a fixed delay (ms). */
export class Retry extends TroupeError {
  static override readonly code = "RETRY";
  /** Ms until the retry; undefined uses the usual exponential backoff. */
  readonly delay: number | undefined;
  constructor(options: { delay?: number; message?: string } = {}) {
    super(Retry.code, options.message ?? "retry requested");
    this.delay = options.delay;
  }
}

/** Raised inside actors that opted into `notifyShutdown` when the worker stops. */
export class Shutdown extends TroupeError {
  static override readonly code = "SHUTDOWN";
  constructor() {
    super(Shutdown.code, "the worker is shutting down");
  }
}

/** An actor option or send option that is invalid or unknown. */
export class InvalidOption extends TroupeError {
  static override readonly code = "INVALID_OPTION";
  constructor(message: string) {
    super(InvalidOption.code, message);
  }
}

/** Something needs the global broker and there is none: no `setBroker`, no `TROUPE_BROKER_URL`, no `{ broker }` option. */
export class BrokerNotSet extends TroupeError {
  static override readonly code = "BROKER_NOT_SET";
  constructor(message: string, options?: { cause?: unknown }) {
    super(BrokerNotSet.code, message, options);
  }
}

/**
 * The broker's transport cannot do what was asked (queue statistics or dead letters
 * where its `capabilities` say no), or implements a transport contract version this
 * core does not run.
 */
export class NotSupported extends TroupeError {
  static override readonly code = "NOT_SUPPORTED";
  constructor(message: string) {
    super(NotSupported.code, message);
  }
}
