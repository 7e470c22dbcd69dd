import { actor, MemoryBroker, uuid4 } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { createDashboard, MemoryStatusStore } from "../../src/index.js";
import { REDIS_URL, type RedisDashboard, redisDashboard } from "./support/environment.js";
import { Client, serve, statusWithHeaders } from "./support/http-client.js";

const XSS_ARGS = ["<script>alert('xss')</script>", '"><img src=x onerror=alert(1)>'];

describe("dashboard security", () => {
  const opened: RedisDashboard[] = [];
  const open = async (...args: Parameters<typeof redisDashboard>) => {
    const env = await redisDashboard(...args);
    opened.push(env);
    return env;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((env) => env.close()));
  });

  it("escapes message content: script tags and attribute-breaking payloads render as text", async () => {
    const env = await open();
    const echo = actor("echo", (..._args: string[]) => {}, { broker: env.broker, queueName: "dash" });
    const sent = await echo.send(...XSS_ARGS);
    await eventually(async () => (await env.store.get(sent.messageId)) !== undefined, "the record exists");
    const client = env.client();
    const page = await client.get(`/messages/${sent.messageId}`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain("<script>alert");
    expect(page.body).not.toContain("<img src=x");
    expect(page.body).toContain("&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;");
    expect(page.body).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    const search = await client.get(`/search?actor=echo`);
    expect(search.body).toContain(sent.messageId);
    expect(search.body).not.toContain("<img src=x");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  it("answers a mutating GET with 405, and a POST without or with a wrong CSRF token with 403", async () => {
    const env = await open();
    actor("noop", () => {}, { broker: env.broker, queueName: "dash" });
    const client = env.client();
    await client.get("/");
    expect((await client.get("/queues/pause?queue=dash")).status).toBe(405);
    expect((await client.post("/queues/pause", { queue: "dash" }, { csrf: false })).status).toBe(403);
    expect((await client.post("/queues/pause", { queue: "dash" }, { csrf: "forged" })).status).toBe(403);
    const stranger = env.client();
    await stranger.get("/");
    // A token from another browser's page does not fit this browser's cookie.
    expect((await stranger.post("/queues/pause", { queue: "dash" }, { csrf: client.csrf })).status).toBe(403);
    expect(await env.broker.pausedQueues()).toEqual([]);
    const accepted = await client.post("/queues/pause", { queue: "dash" });
    expect(accepted.status).toBe(303);
    expect(await env.broker.pausedQueues()).toEqual(["dash"]);
  });

  it("with a token, sends the browser to log in, accepts the right token (form or bearer) and refuses a wrong one", async () => {
    const token = `t-${uuid4()}`;
    const env = await open({ auth: { token } });
    const client = env.client();
    const first = await client.get("/search");
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/login?next=%2Fsearch");
    await client.get("/login");
    const wrong = await client.post("/login", { token: "nope", next: "/search" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain("Wrong token");
    const right = await client.post("/login", { token, next: "/search" });
    expect(right.status).toBe(303);
    expect(right.headers.get("location")).toBe("/search");
    const session = [...client.cookies.entries()].find(([name]) => name === "troupe_dashboard_session")?.[1];
    expect(session).toBeDefined();
    expect(session).not.toContain(token);
    expect((await client.get("/search")).status).toBe(200);
    expect((await env.client({ authorization: `Bearer ${token}` }).get("/workers")).status).toBe(200);
    expect((await env.client({ authorization: "Bearer wrong" }).get("/fragments/queues")).status).toBe(401);
    // After logging in, ?next= may only point back into the dashboard.
    const other = env.client();
    await other.get("/login");
    expect((await other.post("/login", { token, next: "https://evil.example/" })).headers.get("location")).toBe("/");
  });

  it("with basic credentials, challenges without them and accepts only the right pair", async () => {
    const env = await open({ auth: { username: "ops", password: "s3cret-pass" } });
    const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}` });
    const none = await env.client().get("/");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Basic");
    expect((await env.client(basic("ops", "wrong")).get("/")).status).toBe(401);
    expect((await env.client(basic("root", "s3cret-pass")).get("/")).status).toBe(401);
    expect((await env.client(basic("ops", "s3cret-pass")).get("/")).status).toBe(200);
  });

  it('with auth "none", refuses a Host that is not local (DNS rebinding) and serves a local one', async () => {
    const env = await open();
    expect(await statusWithHeaders(`${env.url}/`, { host: "attacker.example" })).toBe(403);
    expect(await statusWithHeaders(`${env.url}/`, { host: "attacker.example:80" })).toBe(403);
    expect(await statusWithHeaders(`${env.url}/`, { host: "localhost:9292" })).toBe(200);
    expect(await statusWithHeaders(`${env.url}/`, { host: "[::1]:9292" })).toBe(200);
  });

  it("never shows the password of the broker URL", async () => {
    const env = await open({ url: REDIS_URL.replace("redis://", "redis://:hunter2-secret@") });
    const client = env.client();
    for (const path of ["/", "/search", "/dead-letters", "/workers"]) {
      const page = await client.get(path);
      expect(page.status).toBe(200);
      expect(page.body).not.toContain("hunter2-secret");
    }
    expect((await client.get("/")).body).toContain(":***@");
  });

  it("refuses options it does not know and an auth it cannot use", () => {
    const broker = new MemoryBroker();
    const statusStore = new MemoryStatusStore();
    expect(() => createDashboard({ broker, statusStore, auth: { token: "" } })).toThrow(/auth.token/);
    expect(() => createDashboard({ broker, statusStore } as never)).toThrow(/needs auth/);
    expect(() => createDashboard({ broker, statusStore, auth: "none", colour: "red" } as never)).toThrow(/colour/);
  });

  it("a memory-broker dashboard serves its assets from the package, with no external reference", async () => {
    const broker = new MemoryBroker();
    const dashboard = createDashboard({ broker, statusStore: new MemoryStatusStore(), auth: "none" });
    const server = await serve(dashboard);
    try {
      const client = new Client(server.url);
      const page = await client.get("/");
      expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
      const css = await client.get("/assets/dashboard.css");
      const js = await client.get("/assets/dashboard.js");
      expect(css.headers.get("content-type")).toContain("text/css");
      expect(js.headers.get("content-type")).toContain("javascript");
      expect(js.body).toContain("data-refresh");
    } finally {
      await server.close();
    }
  });
});
