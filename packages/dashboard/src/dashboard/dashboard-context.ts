import type { IncomingMessage, ServerResponse } from "node:http";
import type { Broker, ResultBackend } from "@troupe/core";
import type { StatusStore } from "../status/status-store.js";
import type { Authenticator } from "./auth.js";

/** What every route of one dashboard shares. */
export interface DashboardContext {
  readonly broker: Broker;
  readonly store: StatusStore;
  readonly results: ResultBackend | undefined;
  /** The mount path, ending in `/`. */
  readonly base: string;
  readonly authenticator: Authenticator;
  /** The broker's class and redacted address, for the header. */
  readonly brokerLabel: string;
  /** The queues the pages show, canonical and sorted. */
  queueNames(): Promise<string[]>;
}

/** One request as a route sees it. */
export interface RouteRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** The path below the mount path, without a leading `/` (`""` for the queues page). */
  readonly path: string;
  /** The fields of a POST (CSRF-checked), empty on GET. */
  readonly form: URLSearchParams;
  /** The CSRF token forms on the page must carry. */
  readonly csrfToken: string;
  /** True when the dashboard's script asked for JSON instead of a redirect. */
  readonly wantsJson: boolean;
}
