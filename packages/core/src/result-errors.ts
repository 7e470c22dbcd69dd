import { TroupeError } from "./errors.js";

/** No result is stored (yet) for the message: not finished, expired, or its actor does not store results. */
export class ResultMissing extends TroupeError {
  static override readonly code = "RESULT_MISSING";
  constructor(messageId: string) {
    super(ResultMissing.code, `no result stored for message ${messageId} (not finished yet, expired, or the actor does not store results)`);
  }
}

/** A blocking `getResult` waited its whole `timeout` without a result. */
export class ResultTimeout extends TroupeError {
  static override readonly code = "RESULT_TIMEOUT";
  constructor(messageId: string, timeout: number) {
    super(ResultTimeout.code, `timed out after ${timeout} ms waiting for the result of message ${messageId}`);
  }
}

/** The actor failed for good; carries the remote error's type and message. */
export class ResultFailure extends TroupeError {
  static override readonly code = "RESULT_FAILURE";
  /** The remote error's type name, e.g. `"TypeError"` (or a Python exception name). */
  readonly errorType: string;
  /** The remote error's message. */
  readonly errorMessage: string;
  constructor(errorType: string, errorMessage: string) {
    super(ResultFailure.code, `actor failed with ${errorType}: ${errorMessage}`);
    this.errorType = errorType;
    this.errorMessage = errorMessage;
  }
}
