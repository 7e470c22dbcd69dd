import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { PidFileError } from "./errors.js";

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readPid(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new PidFileError(`cannot read the pid file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Writes this process's pid to `path`, refusing when the file names another
 * running process; a stale file (dead pid, or garbage) is replaced.
 */
export function acquirePidFile(path: string, pid = process.pid): void {
  const existing = readPid(path);
  if (existing !== undefined && existing !== pid && isRunning(existing)) {
    throw new PidFileError(`the pid file ${path} belongs to running process ${existing}: is another worker running?`);
  }
  try {
    writeFileSync(path, `${pid}\n`, { mode: 0o644 });
  } catch (error) {
    throw new PidFileError(`cannot write the pid file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Removes the pid file if it still names this process. */
export function releasePidFile(path: string, pid = process.pid): void {
  try {
    if (readPid(path) === pid) unlinkSync(path);
  } catch {
    // Best effort at exit: a pid file we cannot remove is replaced as stale next time.
  }
}
