import type { OutgoingMessage } from "@troupe/core";
import { MAX_IDS_PER_CALL, runScript, type ScriptArg } from "./redis-scripts.js";
import type { SendCalls } from "./sender.js";

/**
 * The script calls of one publish, per queue and in chunks: enqueues of id/payload pairs,
 * and moves (`replaces`) of id/delay-copy id/payload triples. Issued together, they share
 * one round trip.
 */
export function publishCalls(namespace: string, workerId: string, messages: readonly OutgoingMessage<string>[]): SendCalls {
  const sends = new Map<string, ScriptArg[]>();
  const moves = new Map<string, ScriptArg[]>();
  for (const { queueName, messageId, data, replaces } of messages) {
    const byQueue = replaces === undefined ? sends : moves;
    let args = byQueue.get(queueName);
    if (!args) byQueue.set(queueName, (args = []));
    if (replaces === undefined) args.push(messageId, data);
    else args.push(messageId, replaces, data);
  }
  return (client, deadline) => {
    const calls: Promise<unknown>[] = [];
    const now = Date.now();
    for (const [script, byQueue, width] of [
      ["troupeEnqueue", sends, 2],
      ["troupeMove", moves, 3],
    ] as const) {
      for (const [queueName, args] of byQueue) {
        const size = width * MAX_IDS_PER_CALL;
        for (let i = 0; i < args.length; i += size) {
          const chunk = i === 0 && args.length <= size ? args : args.slice(i, i + size);
          calls.push(runScript(client, script, [namespace, workerId, now, queueName, deadline, ...chunk]));
        }
      }
    }
    return calls;
  };
}
