/**
 * What a pool thread runs for a thread actor's message: it imports the actor's module
 * (once per thread), which declares the actor and so registers its function, then calls
 * it in a message context whose signal the worker can abort. Tinypool loads this file.
 */
import { receiveMessageOnPort, threadId } from "node:worker_threads";
import { MessageContext, runInContext } from "./current-message.js";
import { encodeThrown, reviveThrown } from "./error-transfer.js";
import { assertJson } from "./json.js";
import { Message } from "./message.js";
import { ThreadModuleError, ThreadResultError } from "./thread-errors.js";
import type { AbortNotice, StartNotice, ThreadReply, ThreadTask } from "./thread-protocol.js";
import { threadActors } from "./thread-registry.js";
import { importActorModule } from "./thread-typescript.js";

// Created before any actor module is imported, so that their declarations register here.
const registry = threadActors();
const imports = new Map<string, Promise<unknown>>();

async function actorFunction(module: string, actorName: string): Promise<(...args: unknown[]) => unknown> {
  let imported = imports.get(module);
  if (!imported) {
    imported = importActorModule(module);
    imports.set(module, imported);
  }
  try {
    await imported;
  } catch (error) {
    throw new ThreadModuleError(
      `thread actor "${actorName}": importing ${module} in a worker thread failed: ${(error as Error)?.message ?? error}`,
      { cause: error },
    );
  }
  const fn = registry.get(actorName);
  if (!fn) {
    throw new ThreadModuleError(
      `thread actor "${actorName}": ${module} was imported in a worker thread but did not declare it there; declare it at the module's top level, or pass threadModule`,
    );
  }
  return fn as (...args: unknown[]) => unknown;
}

export default async function runThreadTask(task: ThreadTask): Promise<ThreadReply> {
  const { port } = task;
  const message = Message.fromJSON(task.message);
  const context = new MessageContext(message, task.redelivered);
  port.on("message", (notice: AbortNotice) => context.abort(reviveThrown(notice.abort)));
  port.postMessage({ threadId } satisfies StartNotice);
  try {
    const fn = await actorFunction(task.module, message.actorName);
    // Aborted before the call (the worker may not have read the start notice above, and then
    // terminates this thread at once, giving nothing to wait for): the function never starts.
    const pending = receiveMessageOnPort(port)?.message as AbortNotice | undefined;
    if (pending) context.abort(reviveThrown(pending.abort));
    if (context.aborted) throw context.signal.reason;
    const result = await runInContext(context, fn, task.args);
    if (result !== undefined) {
      try {
        assertJson(result, "the result");
      } catch (error) {
        throw new ThreadResultError(message.actorName, (error as Error).message);
      }
    }
    return { result };
  } catch (error) {
    return { thrown: encodeThrown(error) };
  } finally {
    port.close();
  }
}
