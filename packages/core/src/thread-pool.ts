import { fileURLToPath } from "node:url";
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";
import type { Tinypool } from "tinypool";
import type { AnyActor } from "./actor.js";
import { actorArguments } from "./actor-arguments.js";
import { type MessageContext, onAbortOf, type RunAbortOptions } from "./current-message.js";
import { encodeThrown, reviveThrown } from "./error-transfer.js";
import { assertJson } from "./json.js";
import type { Logger } from "./logger.js";
import { type Message, setRunOf } from "./message.js";
import { ThreadArgumentError } from "./thread-errors.js";
import type { AbortNotice, StartNotice, ThreadReply, ThreadTask } from "./thread-protocol.js";

/** Ms an aborted thread actor gets to settle before its thread is terminated, unless the abort says otherwise. */
export const DEFAULT_TERMINATE_AFTER = 1000;

// The built entry, from dist/ (where this code runs once built) and from src/ (tests run the
// sources) alike: a pool thread runs plain JavaScript.
const ENTRY = fileURLToPath(new URL("../dist/thread-entry.js", import.meta.url));

/**
 * The worker's `worker_threads` for thread actors (`isolation: "thread"`), a Tinypool of
 * `size` threads started on the first such message. Each run has its own channel: the abort
 * of the message's context goes down it to the thread's signal, and when the function has
 * not settled `terminateAfter` ms later, Tinypool terminates that thread and starts another.
 */
export class ThreadPool {
  private pool: Promise<Tinypool> | undefined;
  private tinypool: Tinypool | undefined;

  constructor(
    readonly size: number,
    private readonly logger: Logger,
  ) {}

  private started(): Promise<Tinypool> {
    // Loaded on first use: a worker without thread actors never loads Tinypool or starts a thread.
    this.pool ??= import("tinypool").then(({ Tinypool }) => {
      this.tinypool = new Tinypool({
        filename: ENTRY,
        minThreads: this.size,
        maxThreads: this.size,
        // Idle threads block in Atomics.wait otherwise, which would stall what the actor
        // modules keep open there (timers, sockets) between messages.
        useAtomics: false,
      });
      // A thread that fails between runs (an error thrown from a timer its module set) is
      // replaced by Tinypool; unheard, the event would crash the worker.
      this.tinypool.on("error", (error) =>
        this.logger.error(`a thread of the thread actor pool failed: ${(error as Error)?.stack ?? error}`),
      );
      return this.tinypool;
    });
    return this.pool;
  }

  /** Runs a thread actor's message in a pool thread; settles once its function has settled or its thread is gone. */
  async run(context: MessageContext, actor: AnyActor, message: Message): Promise<unknown> {
    const args = actorArguments(actor, message);
    try {
      assertJson(args, "arguments");
    } catch (error) {
      throw new ThreadArgumentError(actor.actorName, error);
    }
    if (context.aborted) throw context.signal.reason;
    const { port1, port2 } = new MessageChannel();
    const terminate = new AbortController();
    let threadId: number | undefined;
    let aborted: { reason: unknown } | undefined;
    let exited: Promise<unknown> | undefined;
    let timer: NodeJS.Timeout | undefined;
    const kill = () => {
      const thread = this.tinypool?.threads.find((t) => t.threadId === threadId);
      // Tinypool's worker wrapper forwards `once` to the thread, which is an EventEmitter.
      if (thread) exited = new Promise((resolve) => thread.once("exit", resolve));
      terminate.abort();
    };
    port1.on("message", (notice: StartNotice) => {
      threadId = notice.threadId;
    });
    onAbortOf(context, (reason: unknown, options: RunAbortOptions) => {
      aborted = { reason };
      port1.postMessage({ abort: encodeThrown(reason) } satisfies AbortNotice);
      // A start notice the thread posted may wait unread while this event loop is busy: read it
      // now. Posted after the abort above, it is not seen here, but then the thread sees the
      // abort before calling the function (thread-entry.ts), so the function never starts.
      const notice = receiveMessageOnPort(port1)?.message as StartNotice | undefined;
      if (notice) threadId = notice.threadId;
      // Not started yet (still queued for a thread, or its thread still loading): nothing to wait for.
      const after = threadId === undefined ? 0 : (options.terminateAfter ?? DEFAULT_TERMINATE_AFTER);
      if (after <= 0) kill();
      else timer = setTimeout(kill, after);
    });
    // As runInContext does for event-loop actors: middleware finds the run by its message.
    setRunOf(message, context);
    const task: ThreadTask = {
      module: actor.threadModule as string,
      message: message.toJSON(),
      args,
      redelivered: context.redelivered,
      port: port2,
    };
    let reply: ThreadReply;
    try {
      const pool = await this.started();
      reply = (await pool.run(task, { transferList: [port2], signal: terminate.signal })) as ThreadReply;
    } catch (error) {
      if (!aborted) throw error;
      // Terminated (or dropped from the queue): settle once that thread is gone, so that the
      // message's retry, or its next delivery after a shutdown, never runs beside it.
      await exited;
      throw aborted.reason;
    } finally {
      clearTimeout(timer);
      port1.close();
    }
    if (aborted) throw aborted.reason;
    if ("thrown" in reply) throw reviveThrown(reply.thrown, throwsOf(actor));
    return reply.result;
  }

  /** Terminates the threads: the end of the worker's `stop()`, after in-flight runs settled or were terminated. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    this.tinypool = undefined;
    if (pool) await (await pool).destroy();
  }
}

function throwsOf(actor: AnyActor) {
  const throws = actor.options.throws;
  if (!throws) return [];
  return Array.isArray(throws) ? throws : [throws];
}
