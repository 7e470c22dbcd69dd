import { assertKnownOptions, optionKeys } from "@troupe/core";
import { version } from "../package.json";
import { type Command, parseCommandLine } from "./args.js";
import { dashboardCommand } from "./commands/dashboard.js";
import { deadLettersCommand } from "./commands/dead-letters.js";
import { queuesCommand } from "./commands/queues.js";
import { schedulerCommand } from "./commands/scheduler.js";
import { schedulesCommand } from "./commands/schedules.js";
import { sendCommand } from "./commands/send.js";
import { workerCommand } from "./commands/worker.js";
import { describeError, exitCodeOf } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import { usage } from "./usage.js";

/** Options of `main`, for embedding the CLI. */
export interface MainOptions {
  /** The script worker processes run: the `troupe` binary. */
  workerEntry?: string;
}

const MAIN_OPTIONS = optionKeys<MainOptions>({ workerEntry: true });

/** Runs one `troupe` command; resolves with the exit code, after printing any error as one line. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<ExitCode> {
  // Outside the try: a caller's mistake rejects, instead of printing as if the command line were wrong.
  assertKnownOptions("main", options, MAIN_OPTIONS);
  try {
    return await run(parseCommandLine(argv), options);
  } catch (error) {
    process.stderr.write(`troupe: ${describeError(error)}\n`);
    return exitCodeOf(error);
  }
}

function run(command: Command, options: MainOptions): Promise<ExitCode> {
  switch (command.name) {
    case "help":
      process.stdout.write(`${usage(command.topic)}\n`);
      return Promise.resolve(ExitCode.Ok);
    case "no-command":
      process.stderr.write(`${usage()}\n`);
      return Promise.resolve(ExitCode.ImportError);
    case "version":
      // The build inlines the version from this package's package.json.
      process.stdout.write(`${version}\n`);
      return Promise.resolve(ExitCode.Ok);
    case "worker":
      return workerCommand(command, options.workerEntry ?? process.argv[1]);
    case "queues":
      return queuesCommand(command);
    case "dead-letters":
      return deadLettersCommand(command);
    case "send":
      return sendCommand(command);
    case "scheduler":
      return schedulerCommand(command);
    case "schedules":
      return schedulesCommand(command);
    case "dashboard":
      return dashboardCommand(command);
  }
}
