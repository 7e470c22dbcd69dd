import { ConnectionError, InvalidOption, TroupeError } from "@troupe/core";
import { ExitCode } from "./exit-codes.js";

/** The module named on the command line could not be imported or gave no broker. */
export class ModuleLoadError extends TroupeError {
  static override readonly code = "MODULE_LOAD_ERROR";
  constructor(message: string, options?: { cause?: unknown }) {
    super(ModuleLoadError.code, message, options);
  }
}

/** The pid file is held by a running process, or cannot be written. */
export class PidFileError extends TroupeError {
  static override readonly code = "PID_FILE_ERROR";
  constructor(message: string, options?: { cause?: unknown }) {
    super(PidFileError.code, message, options);
  }
}

/** Why `troupe worker` dead-lettered a message: it blocked the event loop of every process it ran in, `--max-blocks` times. */
export class EventLoopBlocked extends TroupeError {
  static override readonly code = "EVENT_LOOP_BLOCKED";
  constructor(message: string) {
    super(EventLoopBlocked.code, message);
  }
}

/** The exit code an error ends the command with. */
export function exitCodeOf(error: unknown): ExitCode {
  if (ModuleLoadError.isInstance(error) || InvalidOption.isInstance(error)) return ExitCode.ImportError;
  if (ConnectionError.isInstance(error)) return ExitCode.ConnectionError;
  if (PidFileError.isInstance(error)) return ExitCode.PidFileError;
  return ExitCode.Killed;
}

/** One line for the operator: our errors by message, anything else with its stack. */
export function describeError(error: unknown): string {
  if (TroupeError.isInstance(error)) return error.message;
  return (error as Error)?.stack ?? String(error);
}
