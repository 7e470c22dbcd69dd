import { writeSync } from "node:fs";
import type { Logger } from "@troupe/core";

/**
 * The supervisor's own log: lines written synchronously to a file descriptor
 * (stderr or the `--log-file`), so nothing is lost when the process exits right after.
 * `quiet` (`--skip-logging`) keeps the warnings and errors only, as Python's last-resort
 * handler does under Dramatiq's `--skip-logging`.
 */
export function fdLogger(fd: number, options: { verbose: boolean; quiet?: boolean }): Logger {
  const line = (level: string, message: string) => {
    writeSync(fd, `${new Date().toISOString()} [troupe] ${level} ${message}\n`);
  };
  return {
    debug: (message) => options.verbose && !options.quiet && line("DEBUG", message),
    info: (message) => !options.quiet && line("INFO", message),
    warn: (message) => line("WARN", message),
    error: (message) => line("ERROR", message),
  };
}
