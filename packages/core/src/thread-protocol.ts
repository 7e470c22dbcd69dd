import type { MessagePort } from "node:worker_threads";
import type { MessageData } from "./encoder.js";
import type { Thrown } from "./error-transfer.js";

/** One run of a thread actor, as the worker posts it to a pool thread. */
export interface ThreadTask {
  /** The actor's module URL: the thread imports it, which declares the actor there. */
  module: string;
  /** The message being run, on the wire. */
  message: MessageData;
  /** The arguments the function is called with (the message's, plus `kwargs` as the actor's `kwargs` option says). */
  args: unknown[];
  /** Whether the broker delivered this copy before, for `currentMessage().redelivered` in the thread. */
  redelivered: boolean;
  /** The run's own channel: the worker sends the abort down it, the thread says where it runs. */
  port: MessagePort;
}

/** What a thread sends back: the function's result, or what it threw. */
export type ThreadReply = { result: unknown } | { thrown: Thrown };

/** Worker → thread on a task's port: the run was aborted with this reason. */
export interface AbortNotice {
  abort: Thrown;
}

/** Thread → worker on a task's port: the run started in this thread. */
export interface StartNotice {
  threadId: number;
}
