import type { IncomingMessage } from "node:http";
import { InvalidOption } from "@troupe/core";
import { safeEqual, sign } from "./secrets.js";

/**
 * Who may use the dashboard: holders of a token (a login form, or `Authorization: Bearer`),
 * holders of basic credentials (the browser's own prompt), or `"none"`. With `"none"` only
 * requests from this machine that name it in `Host` (`127.0.0.1`, `localhost`, `[::1]`) are
 * served, which also defeats DNS-rebinding pages; `troupe dashboard` refuses to listen on
 * another address without credentials.
 */
export type DashboardAuth =
  | {
      /** The token: entered on the login page, or sent as `Authorization: Bearer <token>`. Use a long random one. */
      token: string;
    }
  | {
      /** The basic-auth user name. */
      username: string;
      /** The basic-auth password. */
      password: string;
    }
  | "none";

/** The session cookie that the token login sets. */
export const SESSION_COOKIE = "troupe_dashboard_session";

/** The outcome of checking a request; `wrong` when it carried credentials that were refused (a guess, for the login limit). */
export type AuthResult = { ok: true } | { ok: false; reason: "login" | "basic" | "forbidden"; wrong: boolean };

/** True for `127.x.x.x`, `::1`, `localhost` and the IPv4-mapped forms, with or without a port (`Host` headers too). */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  let name = host.toLowerCase();
  if (name.startsWith("[")) name = name.slice(1, name.indexOf("]"));
  else if (name.split(":").length === 2) name = name.replace(/:\d+$/, "");
  name = name.replace(/^::ffff:/, "");
  return name === "localhost" || name === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** Checks requests against a `DashboardAuth`. */
export class Authenticator {
  /** What the session cookie holds: an HMAC of a label under the token, so the cookie never is the token. */
  private readonly session: string | undefined;

  constructor(readonly auth: DashboardAuth) {
    if (auth === "none") return;
    if (typeof auth !== "object" || auth === null)
      throw new InvalidOption('createDashboard: auth must be { token }, { username, password } or "none"');
    if ("token" in auth) {
      if (typeof auth.token !== "string" || auth.token.length === 0)
        throw new InvalidOption("createDashboard: auth.token must be a non-empty string");
      this.session = sign(auth.token, "troupe-dashboard-session-v1");
    } else if (typeof auth.username !== "string" || !auth.username || typeof auth.password !== "string" || !auth.password) {
      throw new InvalidOption("createDashboard: auth needs a non-empty username and password");
    }
  }

  /** True when the dashboard asks for a token on its login page. */
  get usesLogin(): boolean {
    return this.session !== undefined;
  }

  /** True when a request carries credentials to check: the login form, or an `Authorization` header. */
  presentsCredentials(req: IncomingMessage, loginForm: boolean): boolean {
    if (this.auth === "none") return false;
    return (loginForm && this.usesLogin) || req.headers.authorization !== undefined;
  }

  /** Whether the request may proceed, and if not, how to ask for credentials. */
  check(req: IncomingMessage, cookies: Record<string, string | undefined>): AuthResult {
    const auth = this.auth;
    if (auth === "none") {
      const local = isLoopbackHost(req.socket.remoteAddress) && isLoopbackHost(req.headers.host);
      return local ? { ok: true } : { ok: false, reason: "forbidden", wrong: false };
    }
    const header = req.headers.authorization ?? "";
    if ("token" in auth) {
      const bearer = /^Bearer (.+)$/i.exec(header)?.[1];
      if (bearer !== undefined && safeEqual(bearer, auth.token)) return { ok: true };
      const cookie = cookies[SESSION_COOKIE];
      if (cookie !== undefined && safeEqual(cookie, this.session as string)) return { ok: true };
      // A stale session cookie (from before the token changed) is not a guess: the browser is sent to log in.
      return { ok: false, reason: "login", wrong: bearer !== undefined };
    }
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header)?.[1];
    if (basic !== undefined) {
      const decoded = Buffer.from(basic, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      // Both compared every time, so a wrong user name takes as long as a wrong password.
      const user = safeEqual(decoded.slice(0, colon), auth.username);
      const password = safeEqual(decoded.slice(colon + 1), auth.password);
      if (colon >= 0 && user && password) return { ok: true };
    }
    return { ok: false, reason: "basic", wrong: basic !== undefined };
  }

  /** The session cookie value for a correct token, or undefined for a wrong one. */
  login(token: string): string | undefined {
    const auth = this.auth;
    if (typeof auth !== "object" || !("token" in auth)) return undefined;
    return safeEqual(token, auth.token) ? this.session : undefined;
  }
}
