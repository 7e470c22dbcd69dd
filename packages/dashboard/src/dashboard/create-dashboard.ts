import type { IncomingMessage, ServerResponse } from "node:http";
import { assertKnownOptions, type Broker, canonicalQueueName, InvalidOption, optionKeys, type ResultBackend, Results } from "@troupe/core";
import { parse as parseCookies, serialize as serializeCookie } from "cookie";
import type { StatusStore } from "../status/status-store.js";
import { serveAsset } from "./assets.js";
import { Authenticator, type DashboardAuth, SESSION_COOKIE } from "./auth.js";
import { describeBroker } from "./broker-views.js";
import { CSRF_COOKIE, CSRF_FIELD, Csrf } from "./csrf.js";
import type { DashboardContext, RouteRequest } from "./dashboard-context.js";
import { html } from "./html.js";
import { readForm, redirect, send, sendHtml } from "./http.js";
import { LoginLimiter, type LoginLimitOptions } from "./login-limiter.js";
import { layout } from "./pages/layout.js";
import { loginPage } from "./pages/login-page.js";
import { GET_ROUTES, messageRoute, POST_ROUTES } from "./routes.js";
import { redactSecrets } from "./secrets.js";

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /** The broker whose queues, dead letters and workers the dashboard shows and operates. */
  broker: Broker;
  /** Where the `Status` middleware records messages: search, message pages and the charts read it. */
  statusStore: StatusStore;
  /** Shows each message's result on its page (default: the backend of the broker's `Results` middleware, if any). */
  resultBackend?: ResultBackend;
  /** Who may use it: `{ token }`, `{ username, password }`, or `"none"` (this machine only). Required, so the choice is explicit. */
  auth: DashboardAuth;
  /** The path it is mounted at (default `"/"`), e.g. `"/troupe"` for `app.use("/troupe", dashboard)`. */
  basePath?: string;
  /** The queues to show (default: the broker's declared queues and those seen in recent status records). */
  queues?: readonly string[];
  /**
   * How many wrong tokens or passwords one client address may send (default: 10 within 15
   * minutes); then its attempts are answered 429 for `blockMs` (default 15 minutes).
   */
  loginLimit?: LoginLimitOptions;
}

const DASHBOARD_OPTIONS = optionKeys<DashboardOptions>({
  broker: true,
  statusStore: true,
  resultBackend: true,
  auth: true,
  basePath: true,
  queues: true,
  loginLimit: true,
});

/**
 * A Node request handler serving the dashboard: mount it in `node:http`, Express,
 * Fastify or Hono (see the package README). It never calls `next`: every request under
 * `basePath` is answered, others get a 404.
 */
export interface Dashboard {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** The mount path, ending in `/`. */
  readonly basePath: string;
  /** False only for `auth: "none"`: `troupe dashboard` then refuses to listen beyond loopback. */
  readonly requiresCredentials: boolean;
}

/** Marks dashboards, so `troupe dashboard` recognises one from any installed copy of this package. */
const MARKER = Symbol.for("troupe.dashboard");
/** How long the queues seen in status records are reused, ms. */
const SEEN_QUEUES_TTL = 10_000;

function normaliseBase(basePath: string | undefined): string {
  const base = basePath ?? "/";
  if (!base.startsWith("/") || /[?#\s]/.test(base))
    throw new InvalidOption(`createDashboard: basePath must be a path starting with "/", got "${base}"`);
  return base.endsWith("/") ? base : `${base}/`;
}

/** The queues to show: the configured ones, or those declared plus those of recent records (Python producers' too). */
function queueNamesOf(broker: Broker, store: StatusStore, configured: readonly string[] | undefined): () => Promise<string[]> {
  if (configured) {
    const fixed = [...new Set(configured.map(canonicalQueueName))].sort();
    return async () => fixed;
  }
  let seen: { at: number; names: string[] } = { at: Number.NEGATIVE_INFINITY, names: [] };
  return async () => {
    if (Date.now() - seen.at > SEEN_QUEUES_TTL) {
      const page = await store.search({ limit: 500 }).catch(() => ({ records: [] }));
      seen = { at: Date.now(), names: page.records.map((record) => record.queueName) };
    }
    return [...new Set([...broker.getDeclaredQueues(), ...seen.names])].sort();
  };
}

/** Creates the dashboard handler: queues, search, message pages, dead letters, workers, pause/resume. */
export function createDashboard(options: DashboardOptions): Dashboard {
  assertKnownOptions("createDashboard", options, DASHBOARD_OPTIONS);
  if (!options.broker) throw new InvalidOption("createDashboard needs a broker");
  if (!options.statusStore) throw new InvalidOption("createDashboard needs a statusStore (a RedisStatusStore or MemoryStatusStore)");
  if (options.auth === undefined) throw new InvalidOption('createDashboard needs auth: { token }, { username, password } or "none"');
  const authenticator = new Authenticator(options.auth);
  const base = normaliseBase(options.basePath);
  const broker = options.broker;
  const results =
    options.resultBackend ?? broker.middleware.find((middleware): middleware is Results => middleware instanceof Results)?.backend;
  const context: DashboardContext = {
    broker,
    store: options.statusStore,
    results,
    base,
    authenticator,
    brokerLabel: describeBroker(broker),
    queueNames: queueNamesOf(broker, options.statusStore, options.queues),
  };
  const csrf = new Csrf();
  const limiter = new LoginLimiter(options.loginLimit);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Express strips its mount path from req.url and keeps the full one in originalUrl.
    const full = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? "/";
    const url = new URL(full, "http://dashboard.invalid");
    if (url.pathname === base.slice(0, -1)) return redirect(res, `${base}${url.search}`);
    if (!url.pathname.startsWith(base)) return send(res, 404, "text/plain; charset=utf-8", "Not found");
    let path: string;
    try {
      path = decodeURIComponent(url.pathname.slice(base.length));
    } catch {
      return send(res, 400, "text/plain; charset=utf-8", "Bad path");
    }
    if ((req.method === "GET" || req.method === "HEAD") && serveAsset(req, res, path)) return;
    if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "POST") {
      return send(res, 405, "text/plain; charset=utf-8", "Method not allowed", { allow: "GET, HEAD, POST" });
    }

    const cookies = parseCookies(req.headers.cookie ?? "");
    const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
    const cookie = (name: string, value: string, maxAge?: number) =>
      serializeCookie(name, value, { httpOnly: true, sameSite: "strict", path: base, secure, ...(maxAge === undefined ? {} : { maxAge }) });
    let secret = cookies[CSRF_COOKIE];
    const setCookies: string[] = [];
    if (!secret || !/^[A-Za-z0-9_-]{32}$/.test(secret)) {
      secret = csrf.newSecret();
      setCookies.push(cookie(CSRF_COOKIE, secret));
    }
    const flushCookies = () => {
      if (setCookies.length) res.setHeader("set-cookie", setCookies);
    };
    const post = req.method === "POST";
    const form = post ? await readForm(req) : new URLSearchParams();
    if (!form) return send(res, 413, "text/plain; charset=utf-8", "Request body too large");
    if (post && !csrf.verify(cookies[CSRF_COOKIE], form.get(CSRF_FIELD) ?? headerValue(req, "x-csrf-token"))) {
      flushCookies();
      return send(res, 403, "text/plain; charset=utf-8", "Missing or wrong CSRF token: reload the page and try again");
    }
    const request: RouteRequest = {
      req,
      res,
      url,
      path,
      form,
      csrfToken: csrf.token(secret),
      wantsJson: (req.headers.accept ?? "").startsWith("application/json"),
    };

    const address = req.socket.remoteAddress ?? "";
    const loginForm = post && path === "login";
    if (authenticator.presentsCredentials(req, loginForm)) {
      const wait = limiter.blockedFor(address);
      if (wait > 0) {
        flushCookies();
        const seconds = Math.ceil(wait / 1000);
        const headers = { "retry-after": String(seconds) };
        if (loginForm) return sendHtml(res, 429, loginPage(context, request, { blockedFor: seconds }), headers);
        return send(res, 429, "text/plain; charset=utf-8", `Too many failed logins from this address: try again in ${seconds} s`, headers);
      }
    }

    if (path === "login" && authenticator.usesLogin) {
      if (!post) {
        flushCookies();
        return sendHtml(res, 200, loginPage(context, request));
      }
      const session = authenticator.login(form.get("token") ?? "");
      if (!session) {
        limiter.failed(address);
        flushCookies();
        return sendHtml(res, 401, loginPage(context, request, { wrong: true }));
      }
      limiter.succeeded(address);
      setCookies.push(cookie(SESSION_COOKIE, session));
      flushCookies();
      const next = form.get("next") ?? "";
      // Only back into the dashboard: a crafted ?next= must not send the browser elsewhere.
      return redirect(res, next.startsWith(base) && !next.startsWith("//") ? next : base);
    }

    const verdict = authenticator.check(req, cookies);
    if (!verdict.ok) {
      if (verdict.wrong) limiter.failed(address);
      flushCookies();
      if (verdict.reason === "forbidden")
        return send(res, 403, "text/plain; charset=utf-8", "This dashboard (auth: none) answers only local requests to a local host name");
      if (verdict.reason === "basic")
        return send(res, 401, "text/plain; charset=utf-8", "Credentials required", {
          "www-authenticate": 'Basic realm="Troupe dashboard", charset="UTF-8"',
        });
      if (post || path.startsWith("fragments/")) return send(res, 401, "text/plain; charset=utf-8", "Log in first");
      return redirect(res, `${base}login?next=${encodeURIComponent(url.pathname + url.search)}`);
    }

    if (post && path === "logout") {
      setCookies.push(cookie(SESSION_COOKIE, "", 0));
      flushCookies();
      return redirect(res, authenticator.usesLogin ? `${base}login` : base);
    }
    flushCookies();
    const route = post ? POST_ROUTES[path] : GET_ROUTES[path];
    if (route) return route(context, request);
    if (!post && path.startsWith("messages/") && path.length > "messages/".length)
      return messageRoute(context, request, path.slice("messages/".length));
    if (!post && POST_ROUTES[path]) return send(res, 405, "text/plain; charset=utf-8", "Use POST", { allow: "POST" });
    sendHtml(res, 404, layout(context, request, "Not found", html`<h1>Not found</h1><p>Nothing here: <code>${path}</code></p>`));
  };

  const dashboard = ((req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error) => {
      broker.logger.error(`dashboard: ${req.method} ${req.url} failed: ${redactSecrets(String((error as Error)?.stack ?? error))}`);
      if (!res.headersSent)
        send(res, 500, "text/plain; charset=utf-8", `Internal error: ${redactSecrets(String((error as Error)?.message ?? error))}`);
      else res.end();
    });
  }) as Dashboard;
  Object.defineProperties(dashboard, {
    basePath: { value: base, enumerable: true },
    requiresCredentials: { value: options.auth !== "none", enumerable: true },
    [MARKER]: { value: true },
  });
  return dashboard;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
