import type { ChildProcess } from "node:child_process";
import type { Logger } from "@troupe/core";
import type { ParentMessage } from "./ipc.js";

/** What the supervisor gives its pause control. */
export interface PauseControlContext {
  /** The worker processes to tell (forked, connected, not stopping), starting ones included. */
  workers(): ChildProcess[];
  /** How many worker processes the supervisor keeps. */
  readonly processes: number;
  readonly logger: Logger;
}

/**
 * `SIGUSR1` and `SIGUSR2` on the supervisor: pauses and resumes every worker process
 * (`Worker.pause()` / `resume()`, over IPC). A process forked while paused (a restart, a
 * reload) starts paused. One line says when every process has finished pausing: none
 * fetches, none runs an actor.
 */
export class PauseControl {
  private pausing = false;
  private readonly done = new Set<number>();
  private announced = false;

  constructor(private readonly context: PauseControlContext) {}

  /** True between a pause and the next resume. */
  get paused(): boolean {
    return this.pausing;
  }

  pause(cause: string): void {
    if (this.pausing) {
      this.context.logger.info(`${cause}: the worker processes are paused already (SIGUSR2 resumes them)`);
      return;
    }
    this.pausing = true;
    this.announced = false;
    this.done.clear();
    this.context.logger.info(`${cause}: pausing the worker processes; running actors finish (SIGUSR2 resumes them)`);
    this.send({ type: "pause" });
  }

  resume(cause: string): void {
    if (!this.pausing) {
      this.context.logger.info(`${cause}: the worker processes are not paused`);
      return;
    }
    this.pausing = false;
    this.done.clear();
    this.context.logger.info(`${cause}: resuming the worker processes`);
    this.send({ type: "resume" });
  }

  /** A worker process finished pausing. */
  finished(pid: number): void {
    if (!this.pausing) return;
    this.done.add(pid);
    const workers = this.context.workers();
    if (this.announced || workers.length < this.context.processes || !workers.every((proc) => this.done.has(proc.pid as number))) return;
    this.announced = true;
    this.context.logger.info(`${workers.length} worker process(es) paused: nothing is fetched and no actor runs`);
  }

  /** A worker process exited. */
  forget(pid: number): void {
    this.done.delete(pid);
  }

  private send(message: ParentMessage): void {
    // A process exiting on its own closes the channel under us (EPIPE): it is replaced, and its successor is told at its fork.
    for (const proc of this.context.workers()) proc.send(message, () => {});
  }
}
