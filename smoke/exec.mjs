import { spawn } from "node:child_process";

/** Every command still running: each has a process group of its own, which a signal to this script does not reach. */
const live = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    for (const child of live) killGroup(child, "SIGKILL");
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

function track(child) {
  live.add(child);
  child.on("exit", () => live.delete(child));
  return child;
}

/** What a finished command printed, for error messages. */
function transcript(command, args, result) {
  const output = `${result.stdout}${result.stderr}`.trim();
  const tail = output.length > 4000 ? `…${output.slice(-4000)}` : output;
  return `${command} ${args.join(" ")} ${result.signal ? `was killed by ${result.signal}` : `exited ${result.code}`}${tail ? `:\n${tail}` : ""}`;
}

/**
 * Runs a command to completion and resolves with its output; rejects with the
 * command line and its output when it exits non-zero or outlives `timeout` ms
 * (then its whole process group is killed, so no worker is left behind).
 */
export function run(command, args, { cwd, env, timeout = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true }));
    const result = { stdout: "", stderr: "", code: null, signal: null };
    child.stdout.on("data", (chunk) => (result.stdout += chunk));
    child.stderr.on("data", (chunk) => (result.stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, "SIGKILL");
    }, timeout);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      Object.assign(result, { code, signal });
      if (timedOut) reject(new Error(`timed out after ${timeout} ms: ${transcript(command, args, result)}`));
      else if (code !== 0) reject(new Error(transcript(command, args, result)));
      else resolve(result);
    });
  });
}

/** Starts a long-running command in its own process group; `exit` resolves with `{ code, signal }`. */
export function start(command, args, { cwd, env } = {}) {
  const child = track(spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true }));
  const handle = {
    child,
    output: "",
    // "exit", not "close": a grandchild left running would hold the pipes open.
    exit: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))),
  };
  child.stdout.on("data", (chunk) => (handle.output += chunk));
  child.stderr.on("data", (chunk) => (handle.output += chunk));
  return handle;
}

/** Signals a command started by `run` or `start` together with everything it forked. */
export function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
