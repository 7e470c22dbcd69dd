// The dashboard on plain node:http: it is a (req, res) handler, so it can be the whole server,
// or answer the requests under its base path of a server that serves other things too.
import { createServer, type Server } from "node:http";
import type { Dashboard } from "@troupe/dashboard";
import { BASE_PATH, exampleDashboard, isMain } from "./setup.js";

/** A server answering `/health` itself and everything under the base path with the dashboard. */
export function nodeHttpServer(dashboard: Dashboard): Server {
  return createServer((req, res) => {
    if (req.url?.startsWith(BASE_PATH)) return dashboard(req, res);
    res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "text/plain" }).end(req.url === "/health" ? "ok" : "not found");
  });
}

if (isMain(import.meta.url)) nodeHttpServer(exampleDashboard()).listen(9292, "127.0.0.1");
