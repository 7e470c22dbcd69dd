import { existsSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { errorTypeName, esmEntry } from "@troupe/core";
import { ModuleLoadError } from "./errors.js";
import { importErrorSite } from "./import-error-site.js";

/** `./dist/tasks.js:broker` → the file and the export that holds the broker (or a function setting it up). */
export interface ModuleSpec {
  /** The module's path, as given. */
  path: string;
  /** The export after the colon, if any. */
  exportName: string | undefined;
}

const TYPESCRIPT = new Set([".ts", ".mts", ".cts", ".tsx"]);

/** Splits `MODULE[:export]`; a Windows drive letter is not taken for an export. */
export function parseModuleSpec(spec: string): ModuleSpec {
  // Only a trailing identifier counts as an export, so `C:\x.js` and `a:b/c.js` stay paths.
  const match = /^(.+):([A-Za-z_$][\w$]*)$/.exec(spec);
  if (match && !/^[A-Za-z]$/.test(match[1])) return { path: match[1], exportName: match[2] };
  return { path: spec, exportName: undefined };
}

/** Imports the user's module; TypeScript goes through tsx when no loader is active yet. */
export async function importModule(path: string, cwd = process.cwd()): Promise<Record<string, unknown>> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new ModuleLoadError(`module not found: ${path} (looked for ${file})`);
  const url = pathToFileURL(file).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if (TYPESCRIPT.has(extname(file)) && (error as { code?: string })?.code === "ERR_UNKNOWN_FILE_EXTENSION") {
      await registerTsx(file, path);
      // Node remembers the failed import of this URL; a query makes it a new one.
      return importAfterLoader(`${url}?ts`, path, file);
    }
    throw importFailure(error, path, file);
  }
}

async function importAfterLoader(url: string, path: string, file: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw importFailure(error, path, file);
  }
}

/** Registers tsx's ESM loader, found from the user's project first, then from ours. */
async function registerTsx(file: string, path: string): Promise<void> {
  const candidates = [join(file, ".."), process.cwd(), cliDirectory()];
  for (const base of candidates) {
    const api = esmEntry("tsx", base, "./esm/api");
    if (!api) continue;
    const { register } = (await import(pathToFileURL(api).href)) as { register: () => unknown };
    register();
    return;
  }
  throw new ModuleLoadError(`${path} is TypeScript and no loader is active: install tsx (npm i -D tsx), or build it to JavaScript first`);
}

function cliDirectory(): string {
  return process.argv[1] ? join(process.argv[1], "..") : process.cwd();
}

/** One line: what failed and, for the file `path` names or one it imports, where (`file:line:column`). */
function importFailure(error: unknown, path: string, file: string): ModuleLoadError {
  const code = (error as { code?: string })?.code;
  const text = (error as Error)?.message ?? String(error);
  if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
    return new ModuleLoadError(`importing ${path} failed: ${text.split("\n")[0]}`, { cause: error });
  }
  const site = importErrorSite(error, file);
  const summary = `${errorTypeName(error)}: ${site?.message ?? text.split("\n")[0]}`;
  return new ModuleLoadError(`importing ${path} failed: ${summary}${site ? ` (at ${site.where})` : ""}`, { cause: error });
}
