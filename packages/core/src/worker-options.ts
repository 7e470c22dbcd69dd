import { optionKeys } from "./option-keys.js";

/** Options of `new Worker(broker, options)`. */
export interface WorkerOptions {
  /** Actors running at once (default 8). */
  concurrency?: number;
  /** Messages fetched ahead per queue (default `TROUPE_QUEUE_PREFETCH`, else 2 × concurrency). */
  prefetch?: number;
  /** Delayed messages held per delay queue (default `TROUPE_DELAY_QUEUE_PREFETCH`, else 1000 × concurrency). */
  delayPrefetch?: number;
  /**
   * Queues to consume. Default: every queue declared on the broker, those declared after
   * `start()` (an actor declared later, an enqueue to a new queue) included.
   */
  queues?: readonly string[];
  /** Idle tick of the consumers, ms (default `TROUPE_WORKER_TIMEOUT`, else 1000). */
  workerTimeout?: number;
  /** How long `stop()` lets in-flight actors finish before requeueing them, ms (default `TROUPE_SHUTDOWN_TIMEOUT`, else 30 000). */
  shutdownTimeout?: number;
  /** Size of the `worker_threads` pool that runs thread actors (`isolation: "thread"`), started on their first message (default: the number of CPUs). */
  threads?: number;
  /**
   * Ms before a consumer that failed is started again, doubling while it keeps failing up to
   * `maxRestartDelay` (default `TROUPE_RESTART_DELAY`, else 100; Dramatiq's `dramatiq_restart_delay`).
   * A consumer fails when its broker refuses it (a queue declared with other arguments, no
   * access) or, on a broker of your own, when its consumer throws. A broker that cannot be
   * reached is not a failure: Troupe's consumers retry it themselves, up to `workerTimeout` apart.
   */
  restartDelay?: number;
  /** The longest pause between restarts of a failing consumer, ms (default 10 000, or `restartDelay` when larger). */
  maxRestartDelay?: number;
}

/** The names of `WorkerOptions`, to refuse unknown ones. */
export const WORKER_OPTIONS = optionKeys<WorkerOptions>({
  concurrency: true,
  prefetch: true,
  delayPrefetch: true,
  queues: true,
  workerTimeout: true,
  shutdownTimeout: true,
  threads: true,
  restartDelay: true,
  maxRestartDelay: true,
});
