/** A message the watchdog killed worker processes under, as the supervisor counts it. */
export interface BlockedMessage {
  /** Its `message_id`. */
  id: string;
  /** The actor it runs. */
  actor: string;
  /** How many watchdog kills it was running for. */
  kills: number;
  /** How long the loop had been blocked at the last of them, ms. */
  ms: number;
}

/** Sent by a worker process to its supervisor. */
export type ChildMessage =
  | { type: "ready" }
  /** Proof of a live event loop, with the actors running at that moment. */
  | { type: "heartbeat"; actors: string[] }
  /** A message's actor is about to run: if the loop blocks now, the supervisor knows which messages were running. */
  | { type: "started"; id: string; actor: string }
  /** A message's run is over (or it was dead-lettered unrun). */
  | { type: "finished"; id: string }
  /** The one-line reason a worker process is about to exit at start. */
  | { type: "fatal"; message: string }
  /** Asks the supervisor to load a supervisor-side extension module (see supervisor-extensions.ts). */
  | { type: "extension"; module: string; options: unknown }
  /** Its worker finished pausing: it fetches nothing and runs no actor. */
  | { type: "paused" };

/** Sent by the supervisor to a worker process. */
export type ParentMessage =
  | { type: "stop" }
  /** A watchdog kill was counted against a message, which may now come back to this process. */
  | { type: "blocked"; message: BlockedMessage }
  /** SIGUSR1 reached the supervisor: `Worker.pause()`. */
  | { type: "pause" }
  /** SIGUSR2 reached the supervisor: `Worker.resume()`. */
  | { type: "resume" };

/** The environment variable that carries a worker process's settings; its presence makes `bin` a worker. */
export const WORKER_CONFIG_ENV = "TROUPE_WORKER_PROCESS";

export interface WorkerProcessConfig {
  /** The modules to import, in order (`PATH[:name]`), all on one broker. */
  modules: string[];
  concurrency: number;
  /** Threads of the pool for thread actors. */
  threads: number;
  queues: string[] | undefined;
  shutdownTimeout: number;
  heartbeatInterval: number;
  /** Watchdog kills after which a message is dead-lettered when it comes back. */
  maxBlocks: number;
  /** The kill counts known when the process was forked (the supervisor sends later ones). */
  blocked: BlockedMessage[];
  /** Start paused: the supervisor was paused (SIGUSR1) when it forked the process. */
  paused: boolean;
}
