import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { InvalidOption } from "@troupe/core";
import { integer, list, parseFlags } from "./flag-values.js";
import { parseModuleSpec } from "./load-module.js";

/** `troupe worker MODULE... [options]`, parsed. */
export interface WorkerCommand {
  name: "worker";
  /** The modules to import in each worker process, in order, each `PATH[:name]`. */
  modules: string[];
  processes: number;
  concurrency: number;
  /** Threads of each process's pool for thread actors (`--threads`, default: the number of CPUs). */
  threads: number;
  queues: string[] | undefined;
  watch: string | undefined;
  /** `--watch-use-polling`: poll the files instead of relying on file-system events (network mounts, containers). */
  watchUsePolling: boolean;
  /** `--watch-include` globs, added to the default source-file ones. */
  watchInclude: string[];
  /** `--watch-exclude` globs, added to `node_modules` and `.git`. */
  watchExclude: string[];
  pidFile: string | undefined;
  logFile: string | undefined;
  verbose: boolean;
  /** `--skip-logging`: the CLI sets no log level for the workers and writes only its own warnings and errors. */
  skipLogging: boolean;
  /** `--shutdown-timeout`; undefined when not given (`TROUPE_SHUTDOWN_TIMEOUT`, else 30 000, applies). */
  shutdownTimeout: number | undefined;
  watchdogTimeout: number;
  /** Watchdog kills a message may cause before it is dead-lettered (`--max-blocks`, default 2). */
  maxBlocks: number;
}

const WORKER_FLAGS = {
  processes: { type: "string", short: "p" },
  concurrency: { type: "string", short: "c" },
  threads: { type: "string" },
  queues: { type: "string", short: "Q", multiple: true },
  watch: { type: "string" },
  "watch-use-polling": { type: "boolean" },
  "watch-include": { type: "string", multiple: true },
  "watch-exclude": { type: "string", multiple: true },
  "pid-file": { type: "string" },
  "log-file": { type: "string" },
  verbose: { type: "boolean", short: "v" },
  "skip-logging": { type: "boolean" },
  "shutdown-timeout": { type: "string" },
  "watchdog-timeout": { type: "string" },
  "max-blocks": { type: "string" },
} as const;

/** Parses the arguments after `troupe worker`; every mistake is an `InvalidOption` (exit code 2). */
export function parseWorker(args: readonly string[]): WorkerCommand {
  const { values, tokens } = parseFlags("worker", args, WORKER_FLAGS);
  const { modules, queues } = modulesAndQueues(tokens);
  if (modules.length === 0) throw new InvalidOption("troupe worker takes at least one MODULE, got none");
  if (values.watch === undefined) {
    for (const flag of ["watch-use-polling", "watch-include", "watch-exclude"] as const) {
      if (values[flag] !== undefined) throw new InvalidOption(`--${flag} needs --watch DIR`);
    }
  }
  return {
    name: "worker",
    modules,
    processes: integer("--processes", values.processes, availableParallelism(), 1),
    concurrency: integer("--concurrency", values.concurrency, 8, 1),
    threads: integer("--threads", values.threads, availableParallelism(), 1),
    queues: list("--queues", queues),
    watch: values.watch,
    watchUsePolling: values["watch-use-polling"] ?? false,
    watchInclude: values["watch-include"] ?? [],
    watchExclude: values["watch-exclude"] ?? [],
    pidFile: values["pid-file"],
    logFile: values["log-file"],
    verbose: values.verbose ?? false,
    skipLogging: values["skip-logging"] ?? false,
    shutdownTimeout: integer("--shutdown-timeout", values["shutdown-timeout"], undefined, 0),
    watchdogTimeout: integer("--watchdog-timeout", values["watchdog-timeout"], 30_000, 100),
    maxBlocks: integer("--max-blocks", values["max-blocks"], 2, 1),
  };
}

type Token = ReturnType<typeof parseFlags>["tokens"][number];

/**
 * Splits the positionals as Dramatiq's `-Q a b` does: those after `-Q` up to the next
 * flag are queues, except one that is plainly a module (see `isModuleToken`); any
 * other positional is a module. So modules go first, as in Dramatiq.
 */
function modulesAndQueues(tokens: readonly Token[]): { modules: string[]; queues: string[] | undefined } {
  const modules: string[] = [];
  let queues: string[] | undefined;
  let afterQueues = false;
  for (const token of tokens) {
    if (token.kind === "option") {
      afterQueues = token.name === "queues";
      if (afterQueues) (queues ??= []).push(token.value ?? "");
    } else if (token.kind === "option-terminator") afterQueues = false;
    else if (afterQueues && !isModuleToken(token.value)) queues?.push(token.value);
    else modules.push(token.value);
  }
  return { modules, queues };
}

const MODULE_EXTENSION = /\.(?:[cm]?js|[cm]?ts|tsx)$/;

/** Queue names cannot hold a path separator or a colon: such a token, a script's extension or an existing file is a module. */
function isModuleToken(token: string): boolean {
  if (/[/\\]/.test(token)) return true;
  const { path, exportName } = parseModuleSpec(token);
  if (exportName !== undefined || MODULE_EXTENSION.test(path)) return true;
  try {
    return statSync(resolve(path)).isFile();
  } catch {
    return false;
  }
}
