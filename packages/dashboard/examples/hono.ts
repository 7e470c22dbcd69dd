// The dashboard in a Hono app on @hono/node-server: the route hands Node's own request and
// response (c.env.incoming / c.env.outgoing) to the dashboard and tells Hono the response is sent.
import { type HttpBindings, serve } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Dashboard } from "@troupe/dashboard";
import { Hono } from "hono";
import { BASE_PATH, exampleDashboard, isMain } from "./setup.js";

/** A Hono app with its own routes and the dashboard under the base path. */
export function honoApp(dashboard: Dashboard): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.get("/health", (c) => c.text("ok"));
  const handler = (c: { env: HttpBindings }) => {
    dashboard(c.env.incoming, c.env.outgoing);
    return RESPONSE_ALREADY_SENT;
  };
  app.all(BASE_PATH, handler);
  app.all(`${BASE_PATH}/*`, handler);
  return app;
}

if (isMain(import.meta.url)) serve({ fetch: honoApp(exampleDashboard()).fetch, port: 9292, hostname: "127.0.0.1" });
