import type { StdioOptions } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { InvalidOption, workerEnvDefault } from "@troupe/core";
import type { WorkerCommand } from "../args.js";
import type { ExitCode } from "../exit-codes.js";
import { fdLogger } from "../log.js";
import { acquirePidFile, releasePidFile } from "../pid-file.js";
import { Supervisor } from "../supervisor.js";

/** Heartbeats come well within the smallest watchdog timeout, so a busy but live process is never killed. */
const heartbeatInterval = (watchdogTimeout: number) => Math.max(25, Math.min(1000, Math.floor(watchdogTimeout / 5)));

/** `troupe worker MODULE...`: the pid file, the log, and a supervisor over the worker processes. */
export async function workerCommand(command: WorkerCommand, entry: string, env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  // The workers read these themselves (the CLI has no flags for them): a bad one fails here, before any fork.
  for (const option of ["prefetch", "delayPrefetch", "workerTimeout", "restartDelay"] as const) workerEnvDefault(option, env);
  // The supervisor needs the value too, for how long it waits for the workers to stop.
  const shutdownTimeout = command.shutdownTimeout ?? workerEnvDefault("shutdownTimeout", env) ?? 30_000;
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
    const logger = fdLogger(logFd, { verbose: command.verbose, quiet: command.skipLogging });
    const stdio: StdioOptions = command.logFile ? ["ignore", logFd, logFd, "ipc"] : ["ignore", "inherit", "inherit", "ipc"];
    const supervisor = new Supervisor({
      entry,
      processes: command.processes,
      worker: {
        modules: command.modules,
        concurrency: command.concurrency,
        threads: command.threads,
        queues: command.queues,
        shutdownTimeout,
        heartbeatInterval: heartbeatInterval(command.watchdogTimeout),
        maxBlocks: command.maxBlocks,
      },
      watchdogTimeout: command.watchdogTimeout,
      watch: command.watch
        ? { dir: command.watch, include: command.watchInclude, exclude: command.watchExclude, usePolling: command.watchUsePolling }
        : undefined,
      // --skip-logging: the workers log as the app set them up, whatever -v says.
      env: command.verbose && !command.skipLogging ? { ...env, TROUPE_LOG_LEVEL: "debug" } : env,
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
