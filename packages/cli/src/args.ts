import { InvalidOption } from "@troupe/core";
import { integer, list, parseFlags as parse, single } from "./flag-values.js";
import { parseWorker, type WorkerCommand } from "./worker-args.js";

export type { WorkerCommand } from "./worker-args.js";

/** Where an operator command takes its broker from. */
export interface BrokerSource {
  url: string | undefined;
  module: string | undefined;
}

export interface QueuesCommand extends BrokerSource {
  name: "queues";
  queues: string[] | undefined;
  json: boolean;
}

export interface DeadLettersCommand extends BrokerSource {
  name: "dead-letters";
  action: "list" | "requeue" | "purge";
  queue: string;
  limit: number | undefined;
  json: boolean;
}

export interface SendCommand extends BrokerSource {
  name: "send";
  actor: string;
  queue: string | undefined;
  args: unknown[];
  kwargs: Record<string, unknown>;
  delay: number | undefined;
}

/** `troupe scheduler MODULE[:export]`: runs the module's `Scheduler`. */
export interface SchedulerCommand {
  name: "scheduler";
  module: string;
  pidFile: string | undefined;
  verbose: boolean;
}

/** `troupe schedules MODULE[:export]`: lists the module's schedules with their next and last ticks. */
export interface SchedulesCommand {
  name: "schedules";
  module: string;
  json: boolean;
}

/** `troupe dashboard [MODULE]`: serves `@troupe/dashboard` over HTTP. */
export interface DashboardCommand extends BrokerSource {
  name: "dashboard";
  /** Address to listen on (default 127.0.0.1); another one needs credentials. */
  host: string;
  /** Port (default 9292; 0 picks a free one). */
  port: number;
  /** Mount path (default `/`). */
  basePath: string;
  /** Redis holding the status records, when the broker is not that Redis. */
  statusUrl: string | undefined;
  /** Key prefix of the status records (default: the store's own, `troupe-status`). */
  statusNamespace: string | undefined;
  /** Queues to show (default: the module's, and those seen in status records). */
  queues: string[] | undefined;
  /** A login token (`--token`, or `TROUPE_DASHBOARD_TOKEN`). */
  token: string | undefined;
  /** Basic credentials (`--user`/`--password`, or `TROUPE_DASHBOARD_USER`/`_PASSWORD`). */
  user: string | undefined;
  /** The password of `user`. */
  password: string | undefined;
}

/** A parsed `troupe` command line: which command, with its flags. */
export type Command =
  | WorkerCommand
  | QueuesCommand
  | DeadLettersCommand
  | SendCommand
  | SchedulerCommand
  | SchedulesCommand
  | DashboardCommand
  | {
      /** `troupe help [topic]`, or `--help`. */
      name: "help";
      /** The command to explain. */
      topic?: string;
    }
  | {
      /** `troupe --version` or `-V`. */
      name: "version";
    }
  | {
      /** Bare `troupe`: usage on stderr, exit code 2. */
      name: "no-command";
    };

const brokerOptions = {
  url: { type: "string" },
  module: { type: "string", short: "m" },
} as const;

/** Parses `troupe ...` arguments; every mistake is an `InvalidOption` (exit code 2). */
export function parseCommandLine(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined) return { name: "no-command" };
  if (name === "--version" || name === "-V") return { name: "version" };
  if (name === "help" || name === "-h" || name === "--help") return { name: "help", topic: rest[0] };
  if (rest.includes("--help") || rest.includes("-h")) return { name: "help", topic: name };
  switch (name) {
    case "worker":
      return parseWorker(rest);
    case "queues":
      return parseQueues(rest);
    case "dead-letters":
      return parseDeadLetters(rest);
    case "send":
      return parseSend(rest);
    case "scheduler":
      return parseScheduler(rest);
    case "schedules":
      return parseSchedules(rest);
    case "dashboard":
      return parseDashboard(rest);
    default:
      throw new InvalidOption(`unknown command "${name}": try troupe --help`);
  }
}

function parseQueues(args: readonly string[]): QueuesCommand {
  const { values, positionals } = parse("queues", args, {
    ...brokerOptions,
    queues: { type: "string", short: "Q" },
    json: { type: "boolean" },
  });
  if (positionals.length > 1) throw new InvalidOption(`troupe queues takes at most one MODULE, got ${positionals.length} arguments`);
  return {
    name: "queues",
    url: values.url,
    module: values.module ?? positionals[0],
    queues: list("--queues", values.queues),
    json: values.json ?? false,
  };
}

function parseDeadLetters(args: readonly string[]): DeadLettersCommand {
  const { values, positionals } = parse("dead-letters", args, {
    ...brokerOptions,
    limit: { type: "string", short: "n" },
    json: { type: "boolean" },
  });
  const [action, queue, ...extra] = positionals;
  if (action !== "list" && action !== "requeue" && action !== "purge") {
    throw new InvalidOption(`troupe dead-letters needs list, requeue or purge, got ${action === undefined ? "nothing" : `"${action}"`}`);
  }
  if (queue === undefined || extra.length > 0) throw new InvalidOption(`troupe dead-letters ${action} takes one QUEUE`);
  const limit = values.limit === undefined ? undefined : integer("--limit", values.limit, 0, 1);
  return { name: "dead-letters", action, queue, limit, url: values.url, module: values.module, json: values.json ?? false };
}

function parseSend(args: readonly string[]): SendCommand {
  const { values, positionals } = parse("send", args, {
    ...brokerOptions,
    queue: { type: "string", short: "q" },
    args: { type: "string", short: "a" },
    kwargs: { type: "string" },
    delay: { type: "string" },
  });
  const actor = single("send", positionals, "ACTOR");
  const parsedArgs = json("--args", values.args ?? "[]");
  if (!Array.isArray(parsedArgs)) throw new InvalidOption(`--args must be a JSON array, like '[1, 2]'`);
  const kwargs = json("--kwargs", values.kwargs ?? "{}");
  if (typeof kwargs !== "object" || kwargs === null || Array.isArray(kwargs)) throw new InvalidOption(`--kwargs must be a JSON object`);
  const delay = values.delay === undefined ? undefined : integer("--delay", values.delay, 0, 0);
  return {
    name: "send",
    actor,
    queue: values.queue,
    args: parsedArgs,
    kwargs: kwargs as Record<string, unknown>,
    delay,
    url: values.url,
    module: values.module,
  };
}

function parseScheduler(args: readonly string[]): SchedulerCommand {
  const { values, positionals } = parse("scheduler", args, { "pid-file": { type: "string" }, verbose: { type: "boolean", short: "v" } });
  return {
    name: "scheduler",
    module: single("scheduler", positionals, "MODULE"),
    pidFile: values["pid-file"],
    verbose: values.verbose ?? false,
  };
}

function parseSchedules(args: readonly string[]): SchedulesCommand {
  const { values, positionals } = parse("schedules", args, { json: { type: "boolean" } });
  return { name: "schedules", module: single("schedules", positionals, "MODULE"), json: values.json ?? false };
}

function parseDashboard(args: readonly string[]): DashboardCommand {
  const { values, positionals } = parse("dashboard", args, {
    ...brokerOptions,
    host: { type: "string" },
    port: { type: "string" },
    "base-path": { type: "string" },
    "status-url": { type: "string" },
    "status-namespace": { type: "string" },
    queues: { type: "string", short: "Q" },
    token: { type: "string" },
    user: { type: "string" },
    password: { type: "string" },
  });
  if (positionals.length > 1) throw new InvalidOption(`troupe dashboard takes at most one MODULE, got ${positionals.length} arguments`);
  const port = integer("--port", values.port, 9292, 0);
  if (port > 65_535) throw new InvalidOption(`--port must be at most 65535, got ${port}`);
  const basePath = values["base-path"] ?? "/";
  if (!basePath.startsWith("/")) throw new InvalidOption(`--base-path must start with "/", got "${basePath}"`);
  if ((values.user === undefined) !== (values.password === undefined)) throw new InvalidOption("--user and --password go together");
  return {
    name: "dashboard",
    url: values.url,
    module: values.module ?? positionals[0],
    host: values.host ?? "127.0.0.1",
    port,
    basePath,
    statusUrl: values["status-url"],
    statusNamespace: values["status-namespace"],
    queues: list("--queues", values.queues),
    token: values.token,
    user: values.user,
    password: values.password,
  };
}

function json(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidOption(`${flag} is not valid JSON: ${(error as Error).message}`);
  }
}
