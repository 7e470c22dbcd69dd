import { describe, expect, it } from "vitest";
import { fixture, space, troupe, until } from "./helpers.js";

const MODULES = [fixture("tasks.mjs"), fixture("worker-settings.mjs")];
// The supervisor's own lines; the app's console logger writes "[troupe] message" without a level.
const SUPERVISOR_INFO = /\[troupe\] (INFO|DEBUG) /;

describe("troupe worker --skip-logging", () => {
  it("without it, -v sets TROUPE_LOG_LEVEL=debug in the workers and the supervisor logs its info and debug lines", async () => {
    const s = space();
    const worker = troupe(["worker", ...MODULES, "--processes", "1", "-v"], { ...s.env, TROUPE_LOG_LEVEL: "error" });
    await worker.waitForOutput(/TROUPE_LOG_LEVEL=debug/);
    await worker.waitForOutput(/\[troupe\] INFO 1 worker process\(es\) running/);
    expect(worker.stdout + worker.stderr).toMatch(/\[troupe\] DEBUG forked worker process/);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("leaves the workers' log level to the app, even with -v, and the supervisor writes only warnings and errors", async () => {
    const s = space();
    const worker = troupe(["worker", ...MODULES, "--processes", "1", "-v", "--skip-logging"], { ...s.env, TROUPE_LOG_LEVEL: "error" });
    await worker.waitForOutput(/TROUPE_LOG_LEVEL=error/);
    await until(async () => (await s.members("booted")).length === 1, worker);
    const [pid] = await s.members("booted");
    process.kill(Number(pid), "SIGKILL");
    await worker.waitForOutput(new RegExp(`\\[troupe\\] WARN worker process ${pid} was killed by SIGKILL; restarting it`));
    await until(async () => (await s.members("booted")).length === 2, worker);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
    expect(worker.stdout + worker.stderr).not.toMatch(SUPERVISOR_INFO);
    expect(worker.stdout + worker.stderr).not.toMatch(/TROUPE_LOG_LEVEL=debug/);
  });
});
