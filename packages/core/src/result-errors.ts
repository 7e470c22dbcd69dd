import { TroupeError } from "./errors.js";

export class ResultMissing extends TroupeError {
  constructor(messageId: string) {
    super("RESULT_MISSING", `no result stored for message ${messageId} (not finished yet, expired, or the actor does not store results)`);
  }
  static override isInstance(value: unknown): value is ResultMissing {
    return TroupeError.isInstance(value) && value.code === "RESULT_MISSING";
  }
}

export class ResultTimeout extends TroupeError {
  constructor(messageId: string, timeout: number) {
    super("RESULT_TIMEOUT", `timed out after ${timeout} ms waiting for the result of message ${messageId}`);
  }
  static override isInstance(value: unknown): value is ResultTimeout {
    return TroupeError.isInstance(value) && value.code === "RESULT_TIMEOUT";
  }
}

/** The actor failed for good; carries the remote error's type and message. */
export class ResultFailure extends TroupeError {
  readonly errorType: string;
  readonly errorMessage: string;
  constructor(errorType: string, errorMessage: string) {
    super("RESULT_FAILURE", `actor failed with ${errorType}: ${errorMessage}`);
    this.errorType = errorType;
    this.errorMessage = errorMessage;
  }
  static override isInstance(value: unknown): value is ResultFailure {
    return TroupeError.isInstance(value) && value.code === "RESULT_FAILURE";
  }
}
