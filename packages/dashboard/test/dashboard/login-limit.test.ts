import { MemoryBroker } from "@troupe/core";
import { afterEach, describe, expect, it } from "vitest";
import { createDashboard, type DashboardAuth, MemoryStatusStore } from "../../src/index.js";
import { Client, serve, statusWithHeaders } from "./support/http-client.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TOKEN = "a-long-random-token";
const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}` });

describe("login rate limiting", () => {
  const servers: { close(): Promise<void> }[] = [];
  const open = async (auth: DashboardAuth, blockMs = 400) => {
    const dashboard = createDashboard({
      broker: new MemoryBroker(),
      statusStore: new MemoryStatusStore(),
      auth,
      loginLimit: { maxFailures: 3, blockMs },
    });
    const server = await serve(dashboard);
    servers.push(server);
    return server.url;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it("answers 429 to every login from an address after too many wrong tokens, the right one too, until the block ends", async () => {
    const url = await open({ token: TOKEN });
    const client = new Client(url);
    await client.get("/login");
    for (let i = 0; i < 3; i++) expect((await client.post("/login", { token: `guess-${i}` })).status).toBe(401);

    const refused = await client.post("/login", { token: TOKEN });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.body).toContain("Too many failed logins from this address");
    expect(client.cookies.has("troupe_dashboard_session")).toBe(false);
    // The same address with the token as a bearer header, and a guess through it, are refused as well.
    expect((await new Client(url, { authorization: `Bearer ${TOKEN}` }).get("/workers")).status).toBe(429);
    // Another address is not.
    expect(await statusWithHeaders(`${url}/workers`, { authorization: `Bearer ${TOKEN}` }, "127.0.0.2")).toBe(200);

    await sleep(450);
    const accepted = await client.post("/login", { token: TOKEN, next: "/workers" });
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get("location")).toBe("/workers");
    expect((await client.get("/workers")).status).toBe(200);
  });

  it("counts wrong bearer tokens and wrong basic credentials, not requests that bring none", async () => {
    const url = await open({ username: "ops", password: "s3cret-pass" });
    // The browser's first request carries no credentials: a challenge, not a failure.
    for (let i = 0; i < 5; i++) expect((await new Client(url).get("/")).status).toBe(401);
    expect((await new Client(url, basic("ops", "s3cret-pass")).get("/")).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await new Client(url, basic("ops", `wrong-${i}`)).get("/")).status).toBe(401);
    expect((await new Client(url, basic("ops", "s3cret-pass")).get("/")).status).toBe(429);

    const bearer = await open({ token: TOKEN });
    for (let i = 0; i < 3; i++)
      expect((await new Client(bearer, { authorization: "Bearer wrong" }).get("/fragments/queues")).status).toBe(401);
    const client = new Client(bearer);
    await client.get("/login");
    expect((await client.post("/login", { token: TOKEN })).status).toBe(429);
  });

  it("starts an address over after a correct login", async () => {
    const url = await open({ token: TOKEN }, 60_000);
    const client = new Client(url);
    await client.get("/login");
    for (let i = 0; i < 2; i++) expect((await client.post("/login", { token: "nope" })).status).toBe(401);
    expect((await client.post("/login", { token: TOKEN })).status).toBe(303);
    for (let i = 0; i < 2; i++) expect((await client.post("/login", { token: "nope" })).status).toBe(401);
    expect((await client.post("/login", { token: TOKEN })).status).toBe(303);
  });

  it("refuses loginLimit options it does not know or cannot use", () => {
    const options = { broker: new MemoryBroker(), statusStore: new MemoryStatusStore(), auth: { token: TOKEN } };
    expect(() => createDashboard({ ...options, loginLimit: { maxTries: 3 } as never })).toThrow(/maxTries/);
    expect(() => createDashboard({ ...options, loginLimit: { blockMs: 0 } })).toThrow(/blockMs must be a positive number/);
  });
});
