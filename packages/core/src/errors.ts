const MARKER = Symbol.for("troupe.error");

export type TroupeErrorCode =
  | "ACTOR_NOT_FOUND"
  | "QUEUE_NOT_FOUND"
  | "QUEUE_JOIN_TIMEOUT"
  | "CONNECTION_ERROR"
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
  readonly [MARKER] = true;
  readonly code: TroupeErrorCode;

  constructor(code: TroupeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  static isInstance(value: unknown): value is TroupeError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }

  /** True when `value` is a Troupe error with this class's code. */
  protected static hasCode(value: unknown, code: TroupeErrorCode): boolean {
    return TroupeError.isInstance(value) && value.code === code;
  }
}

export class ActorNotFound extends TroupeError {
  constructor(actorName: string) {
    super(
      "ACTOR_NOT_FOUND",
      `actor "${actorName}" is not declared on this broker: import the module that declares it before starting the worker`,
    );
  }
  static override isInstance(value: unknown): value is ActorNotFound {
    return TroupeError.hasCode(value, "ACTOR_NOT_FOUND");
  }
}

export class QueueNotFound extends TroupeError {
  constructor(queueName: string) {
    super("QUEUE_NOT_FOUND", `queue "${queueName}" is not declared on this broker`);
  }
  static override isInstance(value: unknown): value is QueueNotFound {
    return TroupeError.hasCode(value, "QUEUE_NOT_FOUND");
  }
}

export class QueueJoinTimeout extends TroupeError {
  constructor(queueName: string, timeout: number) {
    super("QUEUE_JOIN_TIMEOUT", `queue "${queueName}" did not drain within ${timeout} ms`);
  }
  static override isInstance(value: unknown): value is QueueJoinTimeout {
    return TroupeError.hasCode(value, "QUEUE_JOIN_TIMEOUT");
  }
}

export class ConnectionError extends TroupeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CONNECTION_ERROR", message, options);
  }
  static override isInstance(value: unknown): value is ConnectionError {
    return TroupeError.hasCode(value, "CONNECTION_ERROR");
  }
}

export class DecodeError extends TroupeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("DECODE_ERROR", message, options);
  }
  static override isInstance(value: unknown): value is DecodeError {
    return TroupeError.hasCode(value, "DECODE_ERROR");
  }
}

export class MessageTooLarge extends TroupeError {
  constructor(size: number, limit: number) {
    super(
      "MESSAGE_TOO_LARGE",
      `message is ${size} bytes, over the broker's limit of ${limit} bytes: store large payloads elsewhere and send a reference`,
    );
  }
  static override isInstance(value: unknown): value is MessageTooLarge {
    return TroupeError.hasCode(value, "MESSAGE_TOO_LARGE");
  }
}

export class RateLimitExceeded extends TroupeError {
  constructor(message: string) {
    super("RATE_LIMIT_EXCEEDED", message);
  }
  static override isInstance(value: unknown): value is RateLimitExceeded {
    return TroupeError.hasCode(value, "RATE_LIMIT_EXCEEDED");
  }
}

export class TimeLimitExceeded extends TroupeError {
  constructor(timeLimit: number) {
    super("TIME_LIMIT_EXCEEDED", `actor exceeded its time limit of ${timeLimit} ms`);
  }
  static override isInstance(value: unknown): value is TimeLimitExceeded {
    return TroupeError.hasCode(value, "TIME_LIMIT_EXCEEDED");
  }
}

/** Thrown by `beforeProcessMessage` to skip the actor; the message is acked (or nacked when failed). */
export class SkipMessage extends TroupeError {
  constructor(message = "message skipped") {
    super("SKIP_MESSAGE", message);
  }
  static override isInstance(value: unknown): value is SkipMessage {
    return TroupeError.hasCode(value, "SKIP_MESSAGE");
  }
}

/** Raised by a before-hook to abort an operation (enqueue, declare, ...). */
export class MiddlewareError extends TroupeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("MIDDLEWARE_ERROR", message, options);
  }
  static override isInstance(value: unknown): value is MiddlewareError {
    return TroupeError.hasCode(value, "MIDDLEWARE_ERROR");
  }
}

/** Thrown by an actor to ask for a retry, optionally after a fixed delay (ms). */
export class Retry extends TroupeError {
  readonly delay: number | undefined;
  constructor(options: { delay?: number; message?: string } = {}) {
    super("RETRY", options.message ?? "retry requested");
    this.delay = options.delay;
  }
  static override isInstance(value: unknown): value is Retry {
    return TroupeError.hasCode(value, "RETRY");
  }
}

/** Raised inside actors that opted into `notifyShutdown` when the worker stops. */
export class Shutdown extends TroupeError {
  constructor() {
    super("SHUTDOWN", "the worker is shutting down");
  }
  static override isInstance(value: unknown): value is Shutdown {
    return TroupeError.hasCode(value, "SHUTDOWN");
  }
}

/** An actor option or send option that is invalid or unknown. */
export class InvalidOption extends TroupeError {
  constructor(message: string) {
    super("INVALID_OPTION", message);
  }
  static override isInstance(value: unknown): value is InvalidOption {
    return TroupeError.hasCode(value, "INVALID_OPTION");
  }
}
