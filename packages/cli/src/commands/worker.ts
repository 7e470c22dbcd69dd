import type { StdioOptions } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { InvalidOption } from "@troupe/core";
import type { WorkerCommand } from "../args.js";
import type { ExitCode } from "../exit-codes.js";
import { fdLogger } from "../log.js";
import { acquirePidFile, releasePidFile } from "../pid-file.js";
import { Supervisor } from "../supervisor.js";

/** Heartbeats come well within the smallest watchdog timeout, so a busy but live process is never killed. */
const heartbeatInterval = (watchdogTimeout: number) => Math.max(25, Math.min(1000, Math.floor(watchdogTimeout / 5)));

/** `troupe worker MODULE`: the pid file, the log, and a supervisor over the worker processes. */
export async function workerCommand(command: WorkerCommand, entry: string, env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  let logFd: number = process.stderr.fd;
  if (command.logFile) {
    try {
      logFd = openSync(command.logFile, "a");
    } catch (error) {
      throw new InvalidOption(`cannot open the log file ${command.logFile}: ${(error as Error).message}`);
    }
  }
  try {
    if (command.pidFile) acquirePidFile(command.pidFile);
    const logger = fdLogger(logFd, { verbose: command.verbose });
    const stdio: StdioOptions = command.logFile ? ["ignore", logFd, logFd, "ipc"] : ["ignore", "inherit", "inherit", "ipc"];
    const supervisor = new Supervisor({
      entry,
      processes: command.processes,
      worker: {
        module: command.module,
        concurrency: command.concurrency,
        queues: command.queues,
        shutdownTimeout: command.shutdownTimeout,
        heartbeatInterval: heartbeatInterval(command.watchdogTimeout),
        maxBlocks: command.maxBlocks,
      },
      watchdogTimeout: command.watchdogTimeout,
      watch: command.watch,
      env: command.verbose ? { ...env, TROUPE_LOG_LEVEL: "debug" } : env,
      stdio,
      logger,
      reportFatal: (line) => {
        process.stderr.write(`troupe: ${line}\n`);
        if (command.logFile) logger.error(line);
      },
    });
    return await supervisor.run();
  } finally {
    if (command.pidFile) releasePidFile(command.pidFile);
    if (command.logFile) closeSync(logFd);
  }
}
