import { dirname, extname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { esmEntry } from "./esm-entry.js";

const TYPESCRIPT = new Set([".ts", ".mts", ".cts", ".tsx"]);
let registered: Promise<boolean> | undefined;

/**
 * Imports a thread actor's module. A TypeScript module that plain Node refuses is imported
 * again through tsx, registered in this thread, as `troupe worker` does in its process: a
 * loader registered at run time there does not reach the threads it starts.
 */
export async function importActorModule(url: string): Promise<unknown> {
  try {
    return await import(url);
  } catch (error) {
    const file = url.startsWith("file:") ? fileURLToPath(url) : undefined;
    if (!file || !TYPESCRIPT.has(extname(file)) || (error as { code?: string })?.code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    registered ??= registerTsx(file);
    if (!(await registered)) throw error;
    // Node remembers the failed import of this URL; a query makes it a new one.
    return import(`${url}?ts`);
  }
}

/** Registers tsx's ESM loader, found from the module's folder, then from the working directory. */
async function registerTsx(file: string): Promise<boolean> {
  for (const base of [dirname(file), process.cwd()]) {
    const api = esmEntry("tsx", base, "./esm/api");
    if (!api) continue;
    const { register } = (await import(pathToFileURL(api).href)) as { register: () => unknown };
    register();
    return true;
  }
  return false;
}
