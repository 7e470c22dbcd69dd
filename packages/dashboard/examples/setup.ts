// What every example shares: a broker with the Status middleware, its store, and a dashboard.
// Run one with `pnpm exec tsx examples/<name>.ts`, then open http://127.0.0.1:9292/troupe/.
import { pathToFileURL } from "node:url";
import { RedisBroker } from "@troupe/broker-redis";
import { actor } from "@troupe/core";
import { createDashboard, type Dashboard, RedisStatusStore, Status } from "@troupe/dashboard";

/** The path every example mounts the dashboard at. */
export const BASE_PATH = "/troupe";

/** A dashboard over a Redis broker (`TROUPE_BROKER_URL`), with a token from `TROUPE_DASHBOARD_TOKEN` or the default one. */
export function exampleDashboard(): Dashboard {
  const url = process.env.TROUPE_BROKER_URL ?? "redis://127.0.0.1:6379";
  const broker = new RedisBroker({ url });
  const statusStore = new RedisStatusStore({ url });
  broker.addMiddleware(new Status({ store: statusStore }));
  // The queues the dashboard lists are those the app declares (and those seen in status records).
  actor("send_welcome_email", (_userId: number) => {}, { broker, queueName: "emails" });
  const token = process.env.TROUPE_DASHBOARD_TOKEN ?? "change-me-to-a-long-random-token";
  return createDashboard({ broker, statusStore, auth: { token }, basePath: BASE_PATH });
}

/** True when this file is the script node was started with (not imported by a test). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}
