import { ConnectionError, InvalidOption, TroupeError } from "@troupe/core";
import { ExitCode } from "./exit-codes.js";

/** The module named on the command line could not be imported or gave no broker. */
export class ModuleLoadError extends TroupeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("MODULE_LOAD_ERROR", message, options);
  }
  static override isInstance(value: unknown): value is ModuleLoadError {
    return TroupeError.hasCode(value, "MODULE_LOAD_ERROR");
  }
}

/** The pid file is held by a running process, or cannot be written. */
export class PidFileError extends TroupeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PID_FILE_ERROR", message, options);
  }
  static override isInstance(value: unknown): value is PidFileError {
    return TroupeError.hasCode(value, "PID_FILE_ERROR");
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
