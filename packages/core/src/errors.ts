const MARKER = Symbol.for("troupe.error");

export type TroupeErrorCode =
  | "ACTOR_NOT_FOUND"
  | "QUEUE_NOT_FOUND"
  | "QUEUE_JOIN_TIMEOUT"
  | "CONNECTION_ERROR"
  | "ENQUEUE_UNCERTAIN"
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
  | "MODULE_LOAD_ERROR"
  | "PID_FILE_ERROR";

/**
 * The base of every error Troupe throws. `isInstance` checks a `Symbol.for`
 * marker rather than the prototype, so it holds across duplicate installs.
 */
export class TroupeError extends Error {
  /** The codes of this error's class and of its Troupe superclasses, most specific first. */
  readonly [MARKER]: readonly TroupeErrorCode[];
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

export class ActorNotFound extends TroupeError {
  static override readonly code = "ACTOR_NOT_FOUND";
  constructor(actorName: string) {
    super(
      ActorNotFound.code,
      `actor "${actorName}" is not declared on this broker: import the module that declares it before starting the worker`,
    );
  }
}

export class QueueNotFound extends TroupeError {
  static override readonly code = "QUEUE_NOT_FOUND";
  constructor(queueName: string) {
    super(QueueNotFound.code, `queue "${queueName}" is not declared on this broker`);
  }
}

export class QueueJoinTimeout extends TroupeError {
  static override readonly code = "QUEUE_JOIN_TIMEOUT";
  constructor(queueName: string, timeout: number) {
    super(QueueJoinTimeout.code, `queue "${queueName}" did not drain within ${timeout} ms`);
  }
}

export class ConnectionError extends TroupeError {
  static override readonly code: TroupeErrorCode = "CONNECTION_ERROR";
  constructor(message: string, options?: { cause?: unknown }) {
    super(ConnectionError.code, message, options);
  }
}

/**
 * The connection failed after an enqueue left this process, so whether the broker
 * stored the message is unknown. Sending the same `Message` object again is safe:
 * enqueue is idempotent per message copy, so it never leaves two copies.
 */
export class EnqueueUncertain extends ConnectionError {
  static override readonly code = "ENQUEUE_UNCERTAIN";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class DecodeError extends TroupeError {
  static override readonly code = "DECODE_ERROR";
  constructor(message: string, options?: { cause?: unknown }) {
    super(DecodeError.code, message, options);
  }
}

export class MessageTooLarge extends TroupeError {
  static override readonly code = "MESSAGE_TOO_LARGE";
  constructor(size: number, limit: number) {
    super(
      MessageTooLarge.code,
      `message is ${size} bytes, over the broker's limit of ${limit} bytes: store large payloads elsewhere and send a reference`,
    );
  }
}

export class RateLimitExceeded extends TroupeError {
  static override readonly code = "RATE_LIMIT_EXCEEDED";
  constructor(message: string) {
    super(RateLimitExceeded.code, message);
  }
}

export class TimeLimitExceeded extends TroupeError {
  static override readonly code = "TIME_LIMIT_EXCEEDED";
  constructor(timeLimit: number) {
    super(TimeLimitExceeded.code, `actor exceeded its time limit of ${timeLimit} ms`);
  }
}

/** Thrown by `beforeProcessMessage` to skip the actor; the message is acked (or nacked when failed). */
export class SkipMessage extends TroupeError {
  static override readonly code = "SKIP_MESSAGE";
  constructor(message = "message skipped") {
    super(SkipMessage.code, message);
  }
}

/** Raised by a before-hook to abort an operation (enqueue, declare, ...). */
export class MiddlewareError extends TroupeError {
  static override readonly code = "MIDDLEWARE_ERROR";
  constructor(message: string, options?: { cause?: unknown }) {
    super(MiddlewareError.code, message, options);
  }
}

/** Thrown by an actor to ask for a retry, optionally after a fixed delay (ms). */
export class Retry extends TroupeError {
  static override readonly code = "RETRY";
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
