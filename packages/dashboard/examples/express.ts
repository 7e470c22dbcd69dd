// The dashboard in an Express app: `app.use(basePath, dashboard)`. Express strips the mount
// path from req.url; the dashboard reads req.originalUrl, so its links stay right.
import type { Dashboard } from "@troupe/dashboard";
import express, { type Express } from "express";
import { BASE_PATH, exampleDashboard, isMain } from "./setup.js";

/** An Express app with its own routes and the dashboard under the base path. */
export function expressApp(dashboard: Dashboard): Express {
  const app = express();
  app.get("/health", (_req, res) => {
    res.send("ok");
  });
  app.use(BASE_PATH, dashboard);
  return app;
}

if (isMain(import.meta.url)) expressApp(exampleDashboard()).listen(9292, "127.0.0.1");
