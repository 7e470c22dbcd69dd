import type { Logger } from "@troupe/core";
import type { SchedulerCommand } from "../args.js";
import { checkConnection } from "../connection-check.js";
import { ExitCode } from "../exit-codes.js";
import { loadScheduler } from "../load-scheduler.js";
import { fdLogger } from "../log.js";
import { acquirePidFile, releasePidFile } from "../pid-file.js";

/**
 * `troupe scheduler MODULE`: runs the module's `Scheduler` in this process until SIGTERM or
 * SIGINT, which stop it gracefully (a second signal exits at once, with code 1). Run it on
 * as many machines as you like: the store makes each tick go out once.
 */
export async function schedulerCommand(command: SchedulerCommand, env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  // Before the import, so the loggers the module creates see the level.
  if (command.verbose) env.TROUPE_LOG_LEVEL = "debug";
  const log = fdLogger(process.stderr.fd, { verbose: command.verbose });
  if (command.pidFile) acquirePidFile(command.pidFile);
  try {
    const { scheduler, broker } = await loadScheduler(command.module, env);
    const schedules = await scheduler.list();
    await checkConnection(broker, schedules[0]?.queueName);
    const stopped = stopOnSignal(() => scheduler.stop(), log);
    // The first look can wait on an enqueue (a tick due at once): a signal must not wait for it.
    const started = await Promise.race([scheduler.start().then(() => true), stopped.then(() => false)]);
    if (started) log.info(`scheduler running ${schedules.length} schedule(s): ${schedules.map((s) => s.name).join(", ") || "none yet"}`);
    const code = await stopped;
    if (code === ExitCode.Ok) {
      await scheduler.store.close().catch(() => {});
      await broker.broker.close().catch(() => {});
      log.info("scheduler stopped");
    }
    return code;
  } finally {
    if (command.pidFile) releasePidFile(command.pidFile);
  }
}

/** Resolves with `Ok` once `stop` finished after the first SIGTERM/SIGINT, or with `Killed` at a second one. */
function stopOnSignal(stop: () => Promise<void>, log: Logger): Promise<ExitCode> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) return resolve(ExitCode.Killed);
      stopping = true;
      log.info("stopping gracefully (a second signal stops at once)");
      stop().then(
        () => resolve(ExitCode.Ok),
        () => resolve(ExitCode.Killed),
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
