import { type Command, parseCommandLine } from "./args.js";
import { deadLettersCommand } from "./commands/dead-letters.js";
import { queuesCommand } from "./commands/queues.js";
import { sendCommand } from "./commands/send.js";
import { workerCommand } from "./commands/worker.js";
import { describeError, exitCodeOf } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import { usage } from "./usage.js";

export interface MainOptions {
  /** The script worker processes run: the `troupe` binary. */
  workerEntry?: string;
}

/** Runs one `troupe` command; resolves with the exit code, after printing any error as one line. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<ExitCode> {
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
    case "worker":
      return workerCommand(command, options.workerEntry ?? process.argv[1]);
    case "queues":
      return queuesCommand(command);
    case "dead-letters":
      return deadLettersCommand(command);
    case "send":
      return sendCommand(command);
  }
}
