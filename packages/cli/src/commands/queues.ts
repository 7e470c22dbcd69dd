import { InvalidOption, type QueueStats } from "@troupe/core";
import type { QueuesCommand } from "../args.js";
import { ExitCode } from "../exit-codes.js";
import { withBroker } from "./with-broker.js";

const COLUMNS = ["queue", "ready", "delayed", "in flight", "dead letters"] as const;

/** `troupe queues`: ready, delayed, in-flight and dead-letter counts per queue. */
export async function queuesCommand(command: QueuesCommand, out: NodeJS.WritableStream = process.stdout): Promise<ExitCode> {
  const stats = await withBroker(command, async (broker) => {
    const names = command.queues ?? [...broker.getDeclaredQueues()].sort();
    if (names.length === 0) throw new InvalidOption("no queues to show: pass a MODULE that declares actors, or --queues a,b");
    const all: QueueStats[] = [];
    for (const name of names) all.push(await broker.queueStats(name));
    return all;
  });
  if (command.json) {
    out.write(`${JSON.stringify(stats.map((s) => ({ ...s, inFlight: s.inFlight ?? null })))}\n`);
  } else {
    out.write(table(stats));
  }
  return ExitCode.Ok;
}

function table(stats: readonly QueueStats[]): string {
  const rows = stats.map((s) => [
    s.queueName,
    String(s.ready),
    String(s.delayed),
    s.inFlight === undefined ? "-" : String(s.inFlight),
    String(s.deadLetters),
  ]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  // Names align left, counts right, as in most operator tables.
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  return `${[line(COLUMNS), ...rows.map(line)].join("\n")}\n`;
}
