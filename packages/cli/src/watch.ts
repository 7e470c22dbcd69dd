import { watch } from "node:fs";
import type { Logger } from "@troupe/core";

const IGNORED = /(^|[/\\])(node_modules|\.git)([/\\]|$)/;
const DEBOUNCE = 200;

/**
 * Calls `onChange` once per burst of changes under `dir` (an editor or a build
 * writes several files at once); returns the function that stops watching.
 */
export function watchForChanges(dir: string, onChange: (file: string) => void, logger: Logger): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, { recursive: true }, (_event, file) => {
    const name = file?.toString() ?? dir;
    if (IGNORED.test(name)) return;
    clearTimeout(timer);
    timer = setTimeout(() => onChange(name), DEBOUNCE);
  });
  watcher.on("error", (error) => logger.error(`watching ${dir} failed: ${error.message}`));
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
