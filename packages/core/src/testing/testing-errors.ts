import { type Message, TroupeError } from "@troupe/core";

/** One message `drain()` found that can never run, and why. */
export interface UnrunnableMessage {
  /** The message, or undefined for bytes that cannot be decoded. */
  readonly message: Message | undefined;
  /** The queue it waits on, or was dead-lettered from. */
  readonly queueName: string;
  /** Why it can never run. */
  readonly reason: string;
}

/**
 * `drain()` found work that can never run: a message for an actor no one declared,
 * bytes that are no message, or messages on a queue no declared actor uses (so no
 * worker consumes it). `messages` lists them; the error's message names each one.
 */
export class UnrunnableMessages extends TroupeError {
  static override readonly code = "UNRUNNABLE_MESSAGES";
  /** The messages that can never run. */
  readonly messages: readonly UnrunnableMessage[];
  constructor(messages: readonly UnrunnableMessage[] = []) {
    super(
      UnrunnableMessages.code,
      `${messages.length} message(s) can never run:${messages.map((entry) => `\n  ${describe(entry)}`).join("")}`,
    );
    this.messages = messages;
  }
}

/** `waitFor(actor, { timeout })` saw no matching message sent within `timeout` ms of real time. */
export class WaitForTimeout extends TroupeError {
  static override readonly code = "WAIT_FOR_TIMEOUT";
  constructor(actorName: string, timeout: number, sent: number) {
    super(WaitForTimeout.code, `no message to "${actorName}" matched within ${timeout} ms (${sent} sent to it so far)`);
  }
}

function describe({ message, queueName, reason }: UnrunnableMessage): string {
  if (!message) return `undecodable bytes on ${queueName}: ${reason}`;
  const args = JSON.stringify(message.args);
  return `${message} with args ${args.length > 120 ? `${args.slice(0, 120)}…` : args} on ${queueName}: ${reason}`;
}
