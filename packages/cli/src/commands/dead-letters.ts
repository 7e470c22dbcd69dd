import type { Broker, DeadLetter } from "@troupe/core";
import type { DeadLettersCommand } from "../args.js";
import { ExitCode } from "../exit-codes.js";
import { ProgressBar } from "../progress-bar.js";
import { withBroker } from "./with-broker.js";

const ARGS_SHOWN = 60;
/** Dead letters moved per call, so a long requeue shows progress and can be interrupted between batches. */
const REQUEUE_BATCH = 100;

/** `troupe dead-letters list|requeue|purge QUEUE`. */
export async function deadLettersCommand(command: DeadLettersCommand, out: NodeJS.WritableStream = process.stdout): Promise<ExitCode> {
  await withBroker(command, async (broker) => {
    if (command.action === "list") await list(broker, command, out);
    else if (command.action === "requeue") await requeue(broker, command, out);
    else out.write(`purged ${await broker.purgeDeadLetters(command.queue)} dead letter(s) from ${command.queue}\n`);
  });
  return ExitCode.Ok;
}

async function list(broker: Broker, command: DeadLettersCommand, out: NodeJS.WritableStream): Promise<void> {
  const letters = await broker.listDeadLetters(command.queue, { limit: command.limit });
  if (command.json) {
    out.write(`${JSON.stringify(letters.map(toJson))}\n`);
    return;
  }
  for (const letter of letters) out.write(`${describe(letter)}\n`);
  process.stderr.write(
    `${letters.length} dead letter(s) in ${command.queue}${command.limit !== undefined ? ` (limit ${command.limit})` : ""}\n`,
  );
}

async function requeue(broker: Broker, command: DeadLettersCommand, out: NodeJS.WritableStream): Promise<void> {
  const waiting = broker.capabilities.queueStats ? (await broker.queueStats(command.queue)).deadLetters : undefined;
  // Bounded by what was there at the start, so letters that die again meanwhile are not requeued in a loop.
  const total = Math.min(waiting ?? Number.POSITIVE_INFINITY, command.limit ?? Number.POSITIVE_INFINITY);
  const bar = new ProgressBar(process.stderr, `requeueing ${command.queue}`, Number.isFinite(total) ? total : undefined);
  let done = 0;
  while (done < total) {
    const moved = await broker.requeueDeadLetters(command.queue, { limit: Math.min(REQUEUE_BATCH, total - done) });
    if (moved === 0) break;
    done += moved;
    bar.update(done);
  }
  bar.finish();
  out.write(`requeued ${done} dead letter(s) to ${command.queue}\n`);
}

/** The reason a message died: the broker's if it keeps one, else the failure Retries recorded on it. */
function reasonOf(letter: DeadLetter): string | undefined {
  const kept = (letter as DeadLetter & { reason?: unknown }).reason;
  if (typeof kept === "string" && kept) return kept;
  const traceback = letter.message?.options.traceback;
  if (typeof traceback !== "string") return undefined;
  const lines = traceback
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  // A Python traceback ends with the error line; a JavaScript stack starts with it.
  return lines[0]?.startsWith("Traceback") ? lines.at(-1) : lines[0];
}

function summarizeArgs(args: readonly unknown[]): string {
  const text = JSON.stringify(args).slice(1, -1);
  return text.length > ARGS_SHOWN ? `${text.slice(0, ARGS_SHOWN - 1)}…` : text;
}

function describe(letter: DeadLetter): string {
  const when = letter.deadAt === undefined ? "-" : new Date(letter.deadAt).toISOString();
  const message = letter.message;
  const what = message
    ? `${message.actorName}(${summarizeArgs(message.args)})  message_id=${message.messageId}`
    : `undecodable: ${letter.raw.slice(0, ARGS_SHOWN)}`;
  const reason = reasonOf(letter);
  return `${when}  ${what}${reason ? `  reason: ${reason}` : ""}`;
}

function toJson(letter: DeadLetter) {
  const message = letter.message;
  return {
    id: letter.id,
    deadAt: letter.deadAt ?? null,
    reason: reasonOf(letter) ?? null,
    message: message ? message.toJSON() : null,
    raw: message ? undefined : letter.raw,
  };
}
