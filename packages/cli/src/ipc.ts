/** Sent by a worker process to its supervisor. */
export type ChildMessage =
  | { type: "ready" }
  /** Proof of a live event loop, with the actors running at that moment. */
  | { type: "heartbeat"; actors: string[] }
  /** The one-line reason a worker process is about to exit at start. */
  | { type: "fatal"; message: string }
  /** Asks the supervisor to load a supervisor-side extension module (see supervisor-extensions.ts). */
  | { type: "extension"; module: string; options: unknown };

/** Sent by the supervisor to a worker process. */
export type ParentMessage = { type: "stop" };

/** The environment variable that carries a worker process's settings; its presence makes `bin` a worker. */
export const WORKER_CONFIG_ENV = "TROUPE_WORKER_PROCESS";

export interface WorkerProcessConfig {
  module: string;
  concurrency: number;
  queues: string[] | undefined;
  shutdownTimeout: number;
  heartbeatInterval: number;
}
