import { type Broker, type Middleware, Worker } from "@troupe/core";
import { BlockGuard } from "./block-guard.js";
import { checkConnection } from "./connection-check.js";
import { describeError, exitCodeOf } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import type { ChildMessage, ParentMessage, WorkerProcessConfig } from "./ipc.js";
import { brokerFromModules } from "./resolve-broker.js";

function send(message: ChildMessage): void {
  if (process.connected) process.send?.(message);
}

/**
 * Tells the supervisor at once when an actor it has not yet been told about
 * starts, so a watchdog kill names the actor that blocked the loop even when
 * it blocked before the next timed heartbeat.
 */
class ActivityReporter implements Middleware {
  private reported = new Set<string>();

  constructor(private readonly running: () => string[]) {}

  beforeProcessMessage(_broker: Broker, message: { actorName: string }): void {
    if (!this.reported.has(message.actorName)) this.beat();
  }

  beat(): void {
    const actors = this.running();
    this.reported = new Set(actors);
    send({ type: "heartbeat", actors });
  }
}

/** A worker process under the supervisor: import, check the broker, consume until told to stop. */
export async function runWorkerProcess(config: WorkerProcessConfig): Promise<never> {
  let worker: Worker | undefined;
  let broker: Broker | undefined;
  let stopping: Promise<never> | undefined;
  let paused = config.paused;
  const guard = new BlockGuard(config.maxBlocks, config.blocked, send);
  const pause = (running: Worker) => {
    void running.pause().then(() => {
      if (running.isPaused) send({ type: "paused" });
    });
  };

  const stop = (): Promise<never> => {
    stopping ??= (async () => {
      await worker?.stop({ timeout: config.shutdownTimeout });
      await broker?.close().catch(() => {});
      return process.exit(ExitCode.Ok);
    })();
    return stopping;
  };
  // A terminal's Ctrl-C reaches the whole process group: the first one stops gracefully, a second one at once.
  const onSignal = () => (stopping ? process.exit(ExitCode.Killed) : void stop());
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  // Reloads, pauses and resumes are the supervisor's to run: a hangup reaching the group must not kill the
  // workers, nor SIGUSR1 open Node's inspector in each of them, nor SIGUSR2 (whose default is to exit) kill them.
  for (const signal of ["SIGHUP", "SIGUSR1", "SIGUSR2"] as const) process.on(signal, () => {});
  process.on("message", (message: ParentMessage) => {
    if (message.type === "stop") void stop();
    else if (message.type === "blocked") guard.record(message.message);
    else if (message.type === "pause") {
      paused = true;
      if (worker) pause(worker);
    } else if (message.type === "resume") {
      paused = false;
      worker?.resume();
    }
  });
  // An orphaned worker (supervisor gone) must not keep consuming.
  process.on("disconnect", () => void stop());

  try {
    const resolved = await brokerFromModules(config.modules);
    broker = resolved.broker;
    await broker.emitAfter("afterProcessBoot");
    await checkConnection(resolved, config.queues?.[0] ?? [...broker.getDeclaredQueues()][0]);
    if (stopping) return stopping;
    worker = new Worker(broker, {
      concurrency: config.concurrency,
      threads: config.threads,
      queues: config.queues,
      shutdownTimeout: config.shutdownTimeout,
    });
    const running = worker;
    const reporter = new ActivityReporter(() => [...new Set([...running.inFlight].map((context) => context.message.actorName))]);
    broker.addMiddleware(reporter);
    // Last, so that it runs right before the actor and reports exactly what runs.
    broker.addMiddleware(guard);
    if (paused) pause(worker);
    await worker.start();
    setInterval(() => reporter.beat(), config.heartbeatInterval);
    send({ type: "ready" });
  } catch (error) {
    send({ type: "fatal", message: describeError(error) });
    await broker?.close().catch(() => {});
    process.exit(exitCodeOf(error));
  }
  return new Promise<never>(() => {});
}
