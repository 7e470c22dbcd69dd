import type { Logger, LogLevel } from "@troupe/core";
import type { ProgressBar } from "./progress-bar.js";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 50 };

/**
 * Troupe's log lines, printed above the progress bar. The default level is "error":
 * each retry logs a warning, and hundreds of them would bury the demo's output.
 * `TROUPE_LOG_LEVEL=warn` shows them.
 */
export function progressLogger(progress: ProgressBar, level: LogLevel = (process.env.TROUPE_LOG_LEVEL as LogLevel) ?? "error"): Logger {
  const threshold = LEVELS[level] ?? LEVELS.error;
  const at = (value: number) => (value >= threshold ? (message: string) => progress.log(`[troupe] ${message}`) : () => {});
  return { debug: at(LEVELS.debug), info: at(LEVELS.info), warn: at(LEVELS.warn), error: at(LEVELS.error) };
}
