import { relative, sep } from "node:path";
import type { Logger } from "@troupe/core";
import { watch } from "chokidar";
import picomatch from "picomatch";

/** Source files, as Dramatiq's `--watch` always includes `*.py`; `--watch-include` adds to them. */
export const DEFAULT_WATCH_INCLUDE: readonly string[] = ["**/*.{js,mjs,cjs,ts,mts,cts,tsx,json}"];
/** Never watched; `--watch-exclude` adds to them. */
export const DEFAULT_WATCH_EXCLUDE: readonly string[] = ["**/node_modules/**", "**/.git/**"];

/** What `--watch` and its companion flags ask for. */
export interface WatchOptions {
  /** The directory watched, recursively. */
  dir: string;
  /** Globs, relative to `dir`, added to `DEFAULT_WATCH_INCLUDE`. */
  include: readonly string[];
  /** Globs, relative to `dir`, added to `DEFAULT_WATCH_EXCLUDE`; an excluded directory is not even read. */
  exclude: readonly string[];
  /** Poll every file instead of relying on file-system events, which network mounts and some containers lack. */
  usePolling: boolean;
}

const DEBOUNCE = 200;
// Dramatiq's polling observer looks once a second too: polling every file more often costs CPU on a large tree.
const POLL_INTERVAL = 1000;

/**
 * Calls `onChange` once per burst of changes to included files (an editor or a
 * build writes several files at once); returns the function that stops watching.
 */
export function watchForChanges(options: WatchOptions, onChange: (file: string) => void, logger: Logger): () => void {
  const included = picomatch([...DEFAULT_WATCH_INCLUDE, ...options.include], { dot: true });
  const excluded = picomatch([...DEFAULT_WATCH_EXCLUDE, ...options.exclude], { dot: true });
  // Globs are written with "/", whatever the platform.
  const name = (path: string) => relative(options.dir, path).split(sep).join("/");
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(options.dir, {
    ignoreInitial: true,
    usePolling: options.usePolling,
    interval: POLL_INTERVAL,
    binaryInterval: POLL_INTERVAL,
    ignored: (path) => {
      const file = name(path);
      return file !== "" && excluded(file);
    },
  });
  watcher.on("all", (event, path) => {
    if (event !== "add" && event !== "change" && event !== "unlink") return;
    const file = name(path);
    if (!included(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => onChange(file), DEBOUNCE);
  });
  watcher.on("error", (error) => logger.error(`watching ${options.dir} failed: ${(error as Error)?.message ?? error}`));
  return () => {
    clearTimeout(timer);
    void watcher.close();
  };
}
