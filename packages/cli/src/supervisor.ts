import { type ChildProcess, fork, type StdioOptions } from "node:child_process";
import type { Logger } from "@troupe/core";
import { BlockLedger } from "./block-ledger.js";
import { ExitCode } from "./exit-codes.js";
import type { ChildMessage, ParentMessage, WorkerProcessConfig } from "./ipc.js";
import { WORKER_CONFIG_ENV } from "./ipc.js";
import { PauseControl } from "./pause-control.js";
import { SupervisorExtensions } from "./supervisor-extensions.js";
import { type WatchOptions, watchForChanges } from "./watch.js";
import { type BlockedProcess, Watchdog } from "./watchdog.js";

export interface SupervisorOptions {
  /** The script each worker process runs (the `troupe` binary itself). */
  entry: string;
  processes: number;
  /** The worker processes' settings; the supervisor adds the kill counts it knows and whether it is paused at each fork. */
  worker: Omit<WorkerProcessConfig, "blocked" | "paused">;
  watchdogTimeout: number;
  /** The directory whose changes reload the workers, and which of its files count. */
  watch: WatchOptions | undefined;
  env: NodeJS.ProcessEnv;
  stdio: StdioOptions;
  logger: Logger;
  /** Shows the one-line reason a start failed to the operator (besides the log). */
  reportFatal(line: string): void;
}

interface Child {
  readonly slot: number;
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  ready: boolean;
  stopping: boolean;
}

/** `idle`: waiting for a file change after a reload failed to import (watch mode only). */
type State = "starting" | "running" | "reloading" | "idle" | "stopping";

/** How long after `--shutdown-timeout` a worker process may take to exit before it is killed. */
const EXIT_GRACE = 10_000;

/**
 * Forks the worker processes and keeps them running: a process that dies is
 * restarted (with backoff when it keeps dying), one whose event loop is blocked
 * is killed by the watchdog and restarted, and a failure at start (import error,
 * unreachable broker) stops everything rather than restart-looping.
 */
export class Supervisor {
  private readonly children = new Map<number, Child>();
  private readonly fatalMessages = new Map<number, string>();
  private readonly crashes = new Map<number, number[]>();
  private readonly respawnTimers = new Set<NodeJS.Timeout>();
  private readonly watchdog: Watchdog;
  private readonly ledger = new BlockLedger();
  private readonly extensions: SupervisorExtensions;
  private readonly pauses: PauseControl;
  private state: State = "starting";
  private reloadPending = false;
  private stopWatching: (() => void) | undefined;
  private finished = false;
  private resolveDone!: (code: ExitCode) => void;
  private readonly done = new Promise<ExitCode>((resolve) => {
    this.resolveDone = resolve;
  });
  private readonly signalHandlers: [NodeJS.Signals, () => void][] = [
    ["SIGTERM", () => this.onStopSignal("SIGTERM")],
    ["SIGINT", () => this.onStopSignal("SIGINT")],
    ["SIGHUP", () => this.reload("SIGHUP")],
    ["SIGUSR1", () => this.state !== "stopping" && this.pauses.pause("SIGUSR1")],
    ["SIGUSR2", () => this.state !== "stopping" && this.pauses.resume("SIGUSR2")],
  ];

  constructor(private readonly options: SupervisorOptions) {
    this.watchdog = new Watchdog(options.watchdogTimeout, (blocked) => this.onBlocked(blocked));
    this.extensions = new SupervisorExtensions({ workers: () => this.liveWorkers(), logger: options.logger });
    this.pauses = new PauseControl({ workers: () => this.liveWorkers(true), processes: options.processes, logger: options.logger });
  }

  private get log(): Logger {
    return this.options.logger;
  }

  /** Runs until stopped; resolves with the exit code. */
  run(): Promise<ExitCode> {
    for (const [signal, handler] of this.signalHandlers) process.on(signal, handler);
    this.watchdog.start();
    if (this.options.watch) {
      this.stopWatching = watchForChanges(this.options.watch, (file) => this.reload(`a change in ${file}`), this.log);
    }
    this.spawnAll();
    return this.done;
  }

  private spawnAll(): void {
    for (let slot = 0; slot < this.options.processes; slot++) if (!this.children.has(slot)) this.spawn(slot);
  }

  private spawn(slot: number): void {
    const config: WorkerProcessConfig = { ...this.options.worker, blocked: this.ledger.snapshot(), paused: this.pauses.paused };
    const env = { ...this.options.env, [WORKER_CONFIG_ENV]: JSON.stringify(config) };
    const proc = fork(this.options.entry, [], { env, stdio: this.options.stdio, execArgv: process.execArgv });
    const child: Child = {
      slot,
      proc,
      ready: false,
      stopping: false,
      exited: new Promise((resolve) => proc.once("exit", (code, signal) => resolve(this.onExit(child, code, signal)))),
    };
    proc.on("message", (message: ChildMessage) => this.onMessage(child, message));
    proc.on("error", (error) => this.log.error(`worker process ${proc.pid ?? "?"}: ${error.message}`));
    this.children.set(slot, child);
    this.log.debug(`forked worker process ${proc.pid} (slot ${slot})`);
  }

  private onMessage(child: Child, message: ChildMessage): void {
    const pid = child.proc.pid as number;
    if (message.type === "heartbeat") this.watchdog.beat(pid, message.actors);
    else if (message.type === "started") this.ledger.started(pid, message.id, message.actor);
    else if (message.type === "finished") this.ledger.finished(pid, message.id);
    else if (message.type === "fatal") this.fatalMessages.set(pid, message.message);
    else if (message.type === "extension") this.extensions.start(message.module, message.options);
    else if (message.type === "paused") this.pauses.finished(pid);
    else if (message.type === "ready") {
      child.ready = true;
      this.crashes.delete(child.slot);
      this.watchdog.watch(pid);
      this.log.debug(`worker process ${pid} is consuming`);
      this.checkAllReady();
    }
  }

  /** The worker processes consuming (with `starting`, also those still starting), not stopping. */
  private liveWorkers(starting = false): ChildProcess[] {
    const live = (child: Child) => (starting || child.ready) && !child.stopping && child.proc.connected;
    return [...this.children.values()].filter(live).map((child) => child.proc);
  }

  private checkAllReady(): void {
    if (this.state !== "starting" && this.state !== "reloading") return;
    const children = [...this.children.values()];
    if (children.length < this.options.processes || !children.every((child) => child.ready)) return;
    this.state = "running";
    this.log.info(`${children.length} worker process(es) running: ${children.map((child) => child.proc.pid).join(", ")}`);
    if (this.reloadPending) {
      this.reloadPending = false;
      this.reload("a change during start");
    }
  }

  private onExit(child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    const pid = child.proc.pid as number;
    this.watchdog.forget(pid);
    this.ledger.exited(pid);
    this.pauses.forget(pid);
    if (this.children.get(child.slot) === child) this.children.delete(child.slot);
    const reason = this.fatalMessages.get(pid);
    this.fatalMessages.delete(pid);
    if (child.stopping || this.state === "stopping") return;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (!child.ready && (this.state === "starting" || code === ExitCode.ImportError)) {
      const exitCode = code === ExitCode.ImportError || code === ExitCode.ConnectionError ? code : ExitCode.Killed;
      const line = reason ?? `a worker process ${how} during start`;
      if (this.options.watch && this.state !== "starting" && exitCode === ExitCode.ImportError) {
        this.waitForChange(line);
        return;
      }
      this.fail(exitCode, line);
      return;
    }
    if (this.state === "idle") return;
    this.log.warn(`worker process ${pid} ${how}${reason ? ` (${reason})` : ""}; restarting it`);
    this.respawnLater(child.slot);
  }

  /** Restarts soon, later when the slot keeps crashing, so a broken worker does not spin the CPU. */
  private respawnLater(slot: number): void {
    const now = Date.now();
    const recent = (this.crashes.get(slot) ?? []).filter((at) => now - at < 60_000);
    recent.push(now);
    this.crashes.set(slot, recent);
    const delay = Math.min(10_000, 100 * 2 ** (recent.length - 1));
    const timer = setTimeout(() => {
      this.respawnTimers.delete(timer);
      if (this.state !== "stopping" && this.state !== "idle" && !this.children.has(slot)) this.spawn(slot);
    }, delay);
    this.respawnTimers.add(timer);
  }

  private waitForChange(line: string): void {
    if (this.state === "idle") return;
    this.state = "idle";
    this.log.error(line);
    this.log.info(`waiting for a change in ${this.options.watch?.dir}`);
    void this.stopChildren();
  }

  private onBlocked({ pid, silentFor, actors }: BlockedProcess): void {
    const child = [...this.children.values()].find((candidate) => candidate.proc.pid === pid);
    if (!child) return;
    const names = [...new Set([...actors, ...this.ledger.actorsOf(pid)])];
    const counted = this.ledger.killed(pid, silentFor);
    const running = names.length > 0 ? ` running ${names.join(", ")}` : "";
    this.log.error(
      `worker process ${pid} has been blocked for ${silentFor} ms${running}: killing it; the broker will deliver its messages again`,
    );
    // The other processes (starting ones too) get the new counts written before the kill lets
    // the broker redeliver (RabbitMQ does at once), so a message they get back never starts before they know.
    const sent: Promise<unknown>[] = [];
    for (const message of counted) {
      for (const other of this.children.values()) {
        if (other === child || !other.proc.connected) continue;
        sent.push(new Promise((resolve) => other.proc.send({ type: "blocked", message } satisfies ParentMessage, resolve)));
      }
    }
    void Promise.all(sent).then(() => child.proc.kill("SIGKILL"));
    const maxBlocks = this.options.worker.maxBlocks;
    for (const message of counted) {
      const next =
        message.kills >= maxBlocks ? "it will be dead-lettered when it comes back" : "it will run alone in its process next time";
      this.log.warn(`message ${message.id} (${message.actor}) was running: kill ${message.kills} of --max-blocks ${maxBlocks}; ${next}`);
    }
  }

  private onStopSignal(signal: NodeJS.Signals): void {
    if (this.state === "stopping") {
      this.log.warn(`${signal} again: stopping at once`);
      void this.hardStop();
      return;
    }
    this.log.info(`${signal}: stopping gracefully (send it again to stop at once)`);
    void this.shutdown(ExitCode.Ok);
  }

  private reload(cause: string): void {
    if (this.state === "stopping") return;
    if (this.state === "starting" || this.state === "reloading") {
      this.reloadPending = true;
      return;
    }
    this.log.info(`${cause}: reloading the worker processes`);
    this.state = "reloading";
    void this.stopChildren().then(() => {
      if (this.state !== "reloading") return;
      this.crashes.clear();
      this.spawnAll();
    });
  }

  /** Asks every worker process to stop gracefully; kills those still running after the grace period. */
  private async stopChildren(): Promise<boolean> {
    const children = [...this.children.values()];
    for (const timer of this.respawnTimers) clearTimeout(timer);
    this.respawnTimers.clear();
    for (const child of children) {
      child.stopping = true;
      // A process exiting on its own closes the channel under us (EPIPE); its exit is awaited below all the same.
      if (child.proc.connected) child.proc.send({ type: "stop" } satisfies ParentMessage, () => {});
      else child.proc.kill("SIGTERM");
    }
    let timer: NodeJS.Timeout | undefined;
    const overdue = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.options.worker.shutdownTimeout + EXIT_GRACE);
    });
    const exited = await Promise.race([Promise.all(children.map((child) => child.exited)).then(() => true as const), overdue]);
    clearTimeout(timer);
    if (!exited) {
      this.log.error("worker processes did not stop in time: killing them");
      await this.killChildren();
    }
    return exited;
  }

  private async killChildren(): Promise<void> {
    const children = [...this.children.values()];
    for (const child of children) {
      child.stopping = true;
      child.proc.kill("SIGKILL");
    }
    await Promise.all(children.map((child) => child.exited));
  }

  private fail(code: ExitCode, line: string): void {
    if (this.state === "stopping") return;
    this.options.reportFatal(line);
    void this.shutdown(code);
  }

  private async shutdown(code: ExitCode): Promise<void> {
    this.state = "stopping";
    this.stopWatching?.();
    const graceful = await this.stopChildren();
    this.finish(graceful ? code : ExitCode.Killed);
  }

  private async hardStop(): Promise<void> {
    await this.killChildren();
    this.finish(ExitCode.Killed);
  }

  private finish(code: ExitCode): void {
    if (this.finished) return;
    this.finished = true;
    this.watchdog.stop();
    for (const [signal, handler] of this.signalHandlers) process.off(signal, handler);
    void this.extensions.closeAll().then(() => this.resolveDone(code));
  }
}
