import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve as serveHono } from "@hono/node-server";
import { actor, uuid4 } from "@troupe/core";
import { afterEach, describe, expect, it } from "vitest";
import { expressApp } from "../../examples/express.js";
import { fastifyApp } from "../../examples/fastify.js";
import { honoApp } from "../../examples/hono.js";
import { nodeHttpServer } from "../../examples/node-http.js";
import { BASE_PATH } from "../../examples/setup.js";
import type { Dashboard } from "../../src/index.js";
import { type RedisDashboard, redisDashboard } from "./support/environment.js";
import { Client } from "./support/http-client.js";

type Listening = { origin: string; close(): Promise<void> };

const listen = async (server: Server): Promise<Listening> => {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** Each framework's example, serving a given dashboard on a free port. */
const FRAMEWORKS: Record<string, (dashboard: Dashboard) => Promise<Listening>> = {
  "node:http": (dashboard) => listen(nodeHttpServer(dashboard)),
  Express: (dashboard) => listen(expressApp(dashboard).listen(0, "127.0.0.1")),
  Fastify: async (dashboard) => {
    const app = fastifyApp(dashboard);
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as AddressInfo;
    return { origin: `http://127.0.0.1:${port}`, close: () => app.close() };
  },
  Hono: (dashboard) => listen(serveHono({ fetch: honoApp(dashboard).fetch, port: 0, hostname: "127.0.0.1" }) as Server),
};

describe.each(Object.keys(FRAMEWORKS))("the dashboard mounted in %s", (framework) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it(`serves its pages under ${BASE_PATH}, takes form posts with their CSRF token, and leaves the app's routes alone`, async () => {
    const token = `token-${uuid4()}`;
    const env: RedisDashboard = await redisDashboard({ auth: { token }, basePath: BASE_PATH });
    cleanup.push(() => env.close());
    actor("mounted", () => {}, { broker: env.broker, queueName: "mounted-q" });
    const server = await FRAMEWORKS[framework](env.dashboard);
    cleanup.push(() => server.close());
    const client = new Client(server.origin);

    expect((await client.get("/health")).body).toBe("ok");
    const bare = await client.get(BASE_PATH);
    expect(bare.status).toBe(303);
    expect(bare.headers.get("location")).toBe(`${BASE_PATH}/`);
    const first = await client.get(`${BASE_PATH}/`);
    expect(first.headers.get("location")).toBe(`${BASE_PATH}/login?next=${encodeURIComponent(`${BASE_PATH}/`)}`);
    await client.get(`${BASE_PATH}/login`);
    const login = await client.post(`${BASE_PATH}/login`, { token, next: `${BASE_PATH}/` });
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe(`${BASE_PATH}/`);

    const page = await client.get(`${BASE_PATH}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<tr data-queue="mounted-q">');
    expect(page.body).toContain(`href="${BASE_PATH}/assets/dashboard.css"`);
    expect((await client.get(`${BASE_PATH}/assets/dashboard.js`)).status).toBe(200);

    const paused = await client.post(`${BASE_PATH}/queues/pause`, { queue: "mounted-q" });
    expect(paused.status).toBe(303);
    expect(await env.broker.pausedQueues()).toEqual(["mounted-q"]);
    expect((await client.post(`${BASE_PATH}/queues/resume`, { queue: "mounted-q" }, { csrf: false })).status).toBe(403);
    expect(await env.broker.pausedQueues()).toEqual(["mounted-q"]);
  });
});
