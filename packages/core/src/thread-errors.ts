import { TroupeError } from "./errors.js";

/**
 * A thread could not run a thread actor: importing its module (`threadModule`) failed in
 * the thread, or the module did not declare the actor there. The import error is its `cause`.
 */
export class ThreadModuleError extends TroupeError {
  static override readonly code = "THREAD_MODULE_ERROR";
  constructor(message: string, options?: { cause?: unknown }) {
    super(ThreadModuleError.code, message, options);
  }
}

/**
 * A thread actor's arguments are not JSON (a function, a class instance, …), e.g. because a
 * custom encoder or a middleware made them so: they cross into the thread as on the wire.
 */
export class ThreadArgumentError extends TroupeError {
  static override readonly code = "THREAD_ARGUMENT_ERROR";
  constructor(actorName: string, cause: unknown) {
    super(
      ThreadArgumentError.code,
      `the arguments of thread actor "${actorName}" cannot cross into its thread: ${(cause as Error)?.message ?? cause}`,
      { cause },
    );
  }
}

/** A thread actor returned what JSON cannot carry (a function, a class instance, …): results cross back as on the wire. */
export class ThreadResultError extends TroupeError {
  static override readonly code = "THREAD_RESULT_ERROR";
  constructor(actorName: string, reason: string) {
    super(ThreadResultError.code, `the result of thread actor "${actorName}" cannot cross back from its thread: ${reason}`);
  }
}
