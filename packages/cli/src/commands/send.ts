import { type JsonObject, Message } from "@troupe/core";
import type { SendCommand } from "../args.js";
import { ExitCode } from "../exit-codes.js";
import { withBroker } from "./with-broker.js";

/** `troupe send ACTOR`: enqueues one message by hand and prints its id. */
export async function sendCommand(command: SendCommand, out: NodeJS.WritableStream = process.stdout): Promise<ExitCode> {
  const sent = await withBroker(command, (broker) => {
    const queueName = command.queue ?? broker.actors.get(command.actor)?.queueName ?? "default";
    const message = new Message({ queueName, actorName: command.actor, args: command.args, kwargs: command.kwargs as JsonObject });
    return broker.enqueue(message, { delay: command.delay });
  });
  out.write(`${sent.messageId}\n`);
  return ExitCode.Ok;
}
