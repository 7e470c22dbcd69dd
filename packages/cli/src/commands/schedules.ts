import type { SchedulesCommand } from "../args.js";
import { ExitCode } from "../exit-codes.js";
import { loadScheduler, type ScheduleRow } from "../load-scheduler.js";

const COLUMNS = ["schedule", "when", "actor", "next tick", "last tick", "last message id"] as const;

/** `troupe schedules MODULE`: each schedule of the module's `Scheduler` with its next and last tick and last message id. */
export async function schedulesCommand(command: SchedulesCommand, out: NodeJS.WritableStream = process.stdout): Promise<ExitCode> {
  const { scheduler, broker } = await loadScheduler(command.module);
  try {
    const rows = await scheduler.list();
    out.write(command.json ? `${JSON.stringify(rows.map(jsonRow))}\n` : table(rows));
    return ExitCode.Ok;
  } finally {
    await scheduler.store.close().catch(() => {});
    await broker.broker.close().catch(() => {});
  }
}

const iso = (time: number | undefined) => (time === undefined ? null : new Date(time).toISOString());

function jsonRow(row: ScheduleRow) {
  return { ...row, nextTick: iso(row.nextTick), lastTick: iso(row.lastTick), lastMessageId: row.lastMessageId ?? null };
}

function table(rows: readonly ScheduleRow[]): string {
  const cells = rows.map((row) => [
    row.name,
    row.cron === undefined ? `every ${row.every} ms` : `${row.cron} (${row.timezone})`,
    row.actorName,
    iso(row.nextTick) ?? "-",
    iso(row.lastTick) ?? "-",
    row.lastMessageId ?? "-",
  ]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i].length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return `${[line(COLUMNS), ...cells.map(line)].join("\n")}\n`;
}
