import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** What the built `troupe COMMAND --help` prints, from the installed @troupe/cli's own bin. */
export async function troupeHelp(command: string): Promise<string> {
  const bin = join(dirname(fileURLToPath(import.meta.resolve("@troupe/cli"))), "bin.js");
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, command, "--help"], { timeout: 30_000 });
  return stdout + stderr;
}
