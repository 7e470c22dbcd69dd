import { writeSync } from "node:fs";
import type { Logger } from "@troupe/core";

/**
 * The supervisor's own log: lines written synchronously to a file descriptor
 * (stderr or the `--log-file`), so nothing is lost when the process exits right after.
 */
export function fdLogger(fd: number, options: { verbose: boolean }): Logger {
  const line = (level: string, message: string) => {
    writeSync(fd, `${new Date().toISOString()} [troupe] ${level} ${message}\n`);
  };
  return {
    debug: (message) => options.verbose && line("DEBUG", message),
    info: (message) => line("INFO", message),
    warn: (message) => line("WARN", message),
    error: (message) => line("ERROR", message),
  };
}
