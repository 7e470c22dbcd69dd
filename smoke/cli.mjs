import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { killGroup, run, start } from "./exec.mjs";
import { cleanNpmEnv, writeFiles } from "./project.mjs";

const REDIS_URL = "redis://127.0.0.1:6379";

/**
 * `npx --no -- troupe …` in the project: `--no` keeps npx from fetching some
 * other `troupe` from the registry should the installed bin be missing, `--`
 * keeps npx from reading troupe's flags (`--version`) as its own.
 */
function npxArgs(args) {
  return ["--no", "--", "troupe", ...args];
}

function env(extra = {}) {
  return { ...cleanNpmEnv(), TROUPE_BROKER_URL: undefined, TROUPE_LOG_LEVEL: undefined, ...extra };
}

/** `troupe --version` prints the installed CLI's version. */
export async function checkVersion(folder, version) {
  const { stdout } = await run("npx", npxArgs(["--version"]), { cwd: folder, env: env() });
  if (stdout.trim() !== version) throw new Error(`troupe --version printed ${JSON.stringify(stdout.trim())}, expected ${version}`);
}

/**
 * The modules a worker runs: the JS one only declares an actor and takes its
 * broker from TROUPE_BROKER_URL; the TS one (loaded through tsx) calls
 * setBroker() itself; the thread one declares a thread actor, which a pool thread
 * (core's thread entry and Tinypool, as installed) imports it to run. Each actor
 * writes "ran" to the file named by its argument.
 */
export function writeTaskModules(folder, suffix) {
  const queue = { js: `smoke-js-${suffix}`, ts: `smoke-ts-${suffix}`, thread: `smoke-thread-${suffix}` };
  writeFiles(folder, {
    "tasks.js": `import { writeFileSync } from "node:fs";
import { actor } from "@troupe/core";

export const touch = actor("smoke_touch_js", (path) => writeFileSync(path, "ran"), { queueName: ${JSON.stringify(queue.js)} });
`,
    "tasks.ts": `import { writeFileSync } from "node:fs";
import { RedisBroker } from "@troupe/broker-redis";
import { actor, setBroker } from "@troupe/core";

setBroker(new RedisBroker({ url: ${JSON.stringify(REDIS_URL)} }));

export const touch = actor("smoke_touch_ts", (path: string): void => writeFileSync(path, "ran"), { queueName: ${JSON.stringify(queue.ts)} });
`,
    "threads.js": `import { writeFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";
import { actor } from "@troupe/core";

export const touch = actor("smoke_touch_thread", (path) => writeFileSync(path, isMainThread ? "ran on the main thread" : "ran"), {
  queueName: ${JSON.stringify(queue.thread)},
  isolation: "thread",
});
`,
    "producer.mjs": `import { RedisBroker } from "@troupe/broker-redis";
import { actorRef, setBroker } from "@troupe/core";

const [actorName, queueName, path] = process.argv.slice(2);
const broker = setBroker(new RedisBroker({ url: ${JSON.stringify(REDIS_URL)} }));
await actorRef(actorName, { queueName }).send(path);
await broker.close();
`,
  });
  return queue;
}

/**
 * `npx troupe worker MODULE` processes a message a producer sends, then stops
 * cleanly on SIGTERM, and npx exits 0. The signal goes to the troupe process
 * (its pid from `--pid-file`), as a process manager sends it: npx runs troupe
 * under `sh -c`, which dies of a SIGTERM sent to npx without passing it on.
 */
export async function checkWorker(folder, { module, actorName, queue, extraEnv = {} }) {
  const marker = join(folder, `ran-${queue}`);
  const pidFile = join(folder, `worker-${queue}.pid`);
  const args = ["worker", module, "-p", "1", "-c", "2", "--pid-file", pidFile];
  const worker = start("npx", npxArgs(args), { cwd: folder, env: env(extraEnv) });
  try {
    await run("node", ["producer.mjs", actorName, queue, marker], { cwd: folder, env: env() });
    // Until it holds what the actor wrote: a file another process is writing may exist empty a moment.
    const written = () => (existsSync(marker) ? readFileSync(marker, "utf8") : "");
    for (let waited = 0; written() === ""; waited += 100) {
      if (worker.child.exitCode !== null) throw new Error(`the worker exited before running the message:\n${worker.output}`);
      if (waited > 60_000) throw new Error(`the worker did not run the message within 60 s:\n${worker.output}`);
      await sleep(100);
    }
    const wrote = written();
    if (wrote !== "ran") throw new Error(`the actor wrote ${JSON.stringify(wrote)}, expected "ran"`);
    process.kill(Number(readFileSync(pidFile, "utf8")), "SIGTERM");
    const exited = await Promise.race([worker.exit, sleep(45_000).then(() => undefined)]);
    if (!exited) throw new Error(`the worker did not exit within 45 s of SIGTERM:\n${worker.output}`);
    if (exited.code !== 0)
      throw new Error(`npx troupe worker exited with ${exited.code ?? exited.signal} after SIGTERM, expected 0:\n${worker.output}`);
    if (existsSync(pidFile)) throw new Error(`the worker left its pid file ${pidFile} behind`);
  } finally {
    if (worker.child.exitCode === null) killGroup(worker.child, "SIGKILL");
  }
}

/** `troupe queues` shows the queue, with the broker from --url, from TROUPE_BROKER_URL and from a module. */
export async function checkQueues(folder, queue) {
  const byUrl = await run("npx", npxArgs(["queues", "--url", REDIS_URL, "--queues", queue, "--json"]), { cwd: folder, env: env() });
  const rows = JSON.parse(byUrl.stdout);
  const row = rows.find((candidate) => candidate.queueName === queue);
  if (row?.ready !== 0 || row.deadLetters !== 0) throw new Error(`troupe queues --url --json gave ${byUrl.stdout.trim()}`);
  const byEnv = await run("npx", npxArgs(["queues", "--queues", queue]), { cwd: folder, env: env({ TROUPE_BROKER_URL: REDIS_URL }) });
  if (!byEnv.stdout.includes(queue)) throw new Error(`TROUPE_BROKER_URL=… troupe queues printed no row for ${queue}:\n${byEnv.stdout}`);
  const byModule = await run("npx", npxArgs(["queues", "./tasks.js", "--json"]), {
    cwd: folder,
    env: env({ TROUPE_BROKER_URL: REDIS_URL }),
  });
  if (!JSON.parse(byModule.stdout).some((candidate) => candidate.queueName === queue)) {
    throw new Error(`troupe queues ./tasks.js listed no ${queue}: ${byModule.stdout.trim()}`);
  }
}
