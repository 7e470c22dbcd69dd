import { MiddlewareError } from "@troupe/core";

/**
 * A message stopped by `abort()`: the reason its actor's signal aborts with, and the
 * failure it ends with (a stored result reads as `ResultFailure` with `errorType`
 * `"Abort"`, Python's `dramatiq_abort.Abort`). Its `code` is `ABORTED`. It is a
 * `MiddlewareError` because a cancelled message is refused by `Abortable`'s
 * `beforeProcessMessage`, and only a `MiddlewareError` stops a message there.
 */
export class Abort extends MiddlewareError {
  static override readonly code = "ABORTED";
  /** Always false: `Retries` dead-letters an aborted message instead of running it again. */
  readonly retryable = false;

  constructor(message = "the message was aborted") {
    super(message);
  }
}
