import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The page whose tables the dramatiq-names test checks against the code. */
export const PAGE_PATH = fileURLToPath(new URL("../../../docs/coming-from-dramatiq.md", import.meta.url));

/** One table row: a Dramatiq name, the Troupe names that stand for it, and why. */
export interface Row {
  /** 1-based line in the page, for failure messages. */
  line: number;
  /** The Dramatiq cell as written ("Troupe only" for a name Dramatiq lacks). */
  dramatiq: string;
  /** The code spans of the Dramatiq cell. */
  dramatiqNames: string[];
  /** The code spans of the Troupe cell; empty for "none" and "none yet". */
  troupe: string[];
  /** "none" or "none yet" when the Troupe cell says so. */
  none: "none" | "none yet" | undefined;
  /** The Notes cell. */
  notes: string;
  /** The Package cell, in `exports` tables. */
  package: string | undefined;
}

/** A table and the kind of names it holds, from the `<!-- names: KIND [SUBJECT] -->` under its heading. */
export interface Table {
  heading: string;
  kind: string;
  /** The subject of an `options` table whose Troupe cells are bare names (`actor`, `RedisBroker`). */
  subject: string | undefined;
  rows: Row[];
}

const MARKER = /^<!-- names: ([a-z-]+)(?: (\S+))? -->$/;

/** Splits a table line on the pipes that are not escaped (`\|` inside a cell is a literal pipe). */
function cells(line: string): string[] {
  const parts = line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/);
  return parts.map((part) => part.trim().replace(/\\\|/g, "|"));
}

const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

function row(line: number, header: string[], values: string[]): Row {
  const cell = (name: string) => values[header.indexOf(name)] ?? "";
  const troupeCell = cell("troupe");
  const none = /^none yet\b/.test(troupeCell) ? "none yet" : /^none\b/.test(troupeCell) ? "none" : undefined;
  const troupe = none ? [] : codeSpans(troupeCell);
  // Everything but the names and their separators belongs in Notes, where a reader looks for it.
  const rest = troupeCell.replace(/`[^`]+`/g, "").replace(/[,/\s]/g, "");
  if (!none && (troupe.length === 0 || rest !== "")) {
    throw new Error(`${PAGE_PATH}:${line}: the Troupe cell holds names in backticks, or starts with "none": ${troupeCell}`);
  }
  return {
    line,
    dramatiq: cell("dramatiq"),
    dramatiqNames: codeSpans(cell("dramatiq")),
    troupe,
    none,
    notes: cell("notes"),
    package: header.includes("package") ? codeSpans(cell("package"))[0] : undefined,
  };
}

/** Every marked table of the page, in order. */
export function readPage(text: string = readFileSync(PAGE_PATH, "utf8")): Table[] {
  const lines = text.split("\n");
  const tables: Table[] = [];
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    if (/^#{2,4} /.test(lines[i])) heading = lines[i].replace(/^#+ /, "");
    const marker = MARKER.exec(lines[i].trim());
    if (!marker) continue;
    let start = i + 1;
    while (start < lines.length && !lines[start].startsWith("|")) start++;
    const header = cells(lines[start]).map((name) => name.toLowerCase());
    const table: Table = { heading, kind: marker[1], subject: marker[2], rows: [] };
    for (let j = start + 2; j < lines.length && lines[j].startsWith("|"); j++) table.rows.push(row(j + 1, header, cells(lines[j])));
    tables.push(table);
    i = start;
  }
  return tables;
}
