import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Program, parse } from "acorn";

/** Where a failed import went wrong, and the message that says what, when the error's own first line does not. */
export interface ImportErrorSite {
  /** `file:line:column` (1-based), or `file:line` when the column is unknown. */
  where: string;
  message?: string;
}

/**
 * Finds the file, line and column an import failed at, nested modules included.
 * tsx reports TypeScript syntax errors in esbuild's `file:line:col: ERROR: text`
 * lines; V8 heads a CommonJS syntax error's and an ESM link error's stack with
 * `file:line` and a caret line; a runtime error has its first stack frame in a
 * file. Node 20 drops the location of an ESM syntax error altogether, so the
 * entry's static import graph is parsed with acorn to find the file that does
 * not parse: re-running `node --check` would check the entry only, not what it
 * imports, and costs a process per file.
 */
export function importErrorSite(error: unknown, entry: string): ImportErrorSite | undefined {
  const message = (error as Error)?.message ?? "";
  const stack = (error as Error)?.stack ?? "";
  const esbuild = /^(.+):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (esbuild) return { where: `${esbuild[1]}:${esbuild[2]}:${Number(esbuild[3]) + 1}`, message: esbuild[4] };
  const arrow = /^(.+):(\d+)\n.*\n( *)\^/.exec(stack);
  if (arrow) return { where: `${toPath(arrow[1])}:${arrow[2]}:${arrow[3].length + 1}` };
  const frame = stack
    .split("\n")
    .map((line) => /^\s+at (?:.* \()?((?:file:\/\/)?\/[^()]*?):(\d+):(\d+)\)?$/.exec(line))
    .find((match) => match !== null);
  if (frame) return { where: `${toPath(frame[1])}:${frame[2]}:${frame[3]}` };
  if ((error as Error)?.name === "SyntaxError") {
    const unparsable = firstUnparsable(entry);
    if (unparsable) return { where: unparsable };
  }
  return undefined;
}

function toPath(fileOrUrl: string): string {
  return fileOrUrl.startsWith("file://") ? fileURLToPath(fileOrUrl) : fileOrUrl;
}

/** `file:line:column` of the first syntax error acorn finds in `entry` and the ES modules it statically imports. */
function firstUnparsable(entry: string): string | undefined {
  const seen = new Set<string>();
  const pending = [entry];
  for (let file = pending.shift(); file !== undefined; file = pending.shift()) {
    if (seen.has(file) || !isEsModule(file)) continue;
    seen.add(file);
    let program: Program;
    try {
      program = parse(readFileSync(file, "utf8"), { ecmaVersion: "latest", sourceType: "module", allowHashBang: true });
    } catch (error) {
      const loc = (error as { loc?: { line: number; column: number } }).loc;
      if (loc) return `${file}:${loc.line}:${loc.column + 1}`;
      continue;
    }
    for (const node of program.body) {
      const source = "source" in node ? node.source?.value : undefined;
      // Bare specifiers are packages: published code that parsed for its authors.
      if (typeof source === "string" && /^(\.{1,2}\/|\/|file:)/.test(source)) {
        pending.push(fileURLToPath(new URL(source, pathToFileURL(file))));
      }
    }
  }
  return undefined;
}

/** ESM syntax errors are the ones Node reports without a location; CommonJS would not parse as a module anyway. */
function isEsModule(file: string): boolean {
  if (!existsSync(file)) return false;
  if (file.endsWith(".mjs")) return true;
  if (!file.endsWith(".js")) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) return packageType(manifest) === "module";
    if (dirname(dir) === dir) return false;
  }
}

function packageType(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, "utf8")) as { type?: unknown }).type;
  } catch {
    // Node fails on a broken package.json with its own error, which has its location.
    return undefined;
  }
}
