import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../src/args.js";
import { isLoopback } from "../src/commands/dashboard.js";
import { fixture, run, space, troupe } from "./helpers.js";

const LISTENING = /dashboard listening on (http:\/\/\S+)/;

describe("troupe dashboard", () => {
  it("parses its flags, with 127.0.0.1:9292 by default", () => {
    expect(parseCommandLine(["dashboard", "--url", "redis://x"])).toMatchObject({
      name: "dashboard",
      host: "127.0.0.1",
      port: 9292,
      basePath: "/",
    });
    expect(() => parseCommandLine(["dashboard", "--port", "70000"])).toThrow(/at most 65535/);
    expect(() => parseCommandLine(["dashboard", "--user", "ops"])).toThrow(/go together/);
    expect(() => parseCommandLine(["dashboard", "--base-path", "ops"])).toThrow(/start with/);
  });

  it("knows the loopback addresses", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"]) expect(isLoopback(host)).toBe(true);
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "example.com", "128.0.0.1"]) expect(isLoopback(host)).toBe(false);
  });

  it("refuses another address than loopback without credentials, before connecting anything", async () => {
    const { code, stderr } = await run(["dashboard", "--host", "0.0.0.0", "--url", "redis://127.0.0.1:1"]);
    expect(code).toBe(2);
    expect(stderr).toContain("refusing to serve the dashboard on 0.0.0.0 without credentials");
  });

  it("builds a dashboard for the module's broker on 127.0.0.1, asks for TROUPE_DASHBOARD_TOKEN, and stops on SIGTERM", async () => {
    const s = space(`dash-${randomUUID().slice(0, 8)}`);
    const token = `token-${randomUUID()}`;
    const handle = troupe(["dashboard", fixture("dashboard-broker.mjs"), "--port", "0", "--status-namespace", `${s.ns}:status`], {
      ...s.env,
      TROUPE_DASHBOARD_TOKEN: token,
    });
    const [, url] = await handle.waitForOutput(LISTENING);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const anonymous = await fetch(url, { redirect: "manual" });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe("/login?next=%2F");
    const page = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<tr data-queue="${s.queue}">`);
    process.kill(handle.pid, "SIGTERM");
    expect(await handle.exit).toBe(0);
  });

  it("serves a module's own dashboard under its base path, and refuses credentials given beside it", async () => {
    const s = space(`dash-${randomUUID().slice(0, 8)}`);
    const token = `token-${randomUUID()}`;
    const env = { ...s.env, TEST_DASHBOARD_TOKEN: token };
    const clash = await run(["dashboard", fixture("dashboard-export.mjs"), "--port", "0"], { ...env, TROUPE_DASHBOARD_TOKEN: token });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain("the module's dashboard has its own auth");

    const handle = troupe(["dashboard", fixture("dashboard-export.mjs"), "--port", "0"], env);
    const [, url] = await handle.waitForOutput(LISTENING);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ops\/$/);
    const page = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<tr data-queue="${s.queue}">`);
    process.kill(handle.pid, "SIGTERM");
    expect(await handle.exit).toBe(0);
  });
});
