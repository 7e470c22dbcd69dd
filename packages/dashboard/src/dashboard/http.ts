import type { IncomingMessage, ServerResponse } from "node:http";
import type { SafeHtml } from "./html.js";

/** Largest form body read, bytes: the dashboard's forms carry a few short fields. */
const MAX_BODY = 64 * 1024;

/**
 * Sent with every response: scripts and styles only from the dashboard itself (so an
 * injected `<script>` or `onerror=` would not run even if escaping ever failed), no framing.
 */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

/** A response with the security headers. */
export function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, "content-length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** An HTML page or fragment. */
export function sendHtml(res: ServerResponse, status: number, page: SafeHtml, headers: Record<string, string | string[]> = {}): void {
  send(res, status, "text/html; charset=utf-8", page.text, headers);
}

/** A JSON answer, for the dashboard's own script. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value));
}

/** 303 See Other: after a POST, the browser GETs `location`. */
export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  send(res, 303, "text/plain; charset=utf-8", "", { location, ...headers });
}

/**
 * The fields of a form POST. A framework that parsed the body already (Express's
 * `urlencoded()`, Fastify's parsers) leaves it on `req.body`; otherwise it is read here.
 * Undefined when the body is over {@link MAX_BODY} (answered with 413).
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (typeof parsed === "string") return new URLSearchParams(parsed);
  if (typeof parsed === "object" && parsed !== null && !Buffer.isBuffer(parsed)) {
    const fields = new URLSearchParams();
    for (const [name, value] of Object.entries(parsed)) {
      for (const item of Array.isArray(value) ? value : [value]) fields.append(name, String(item));
    }
    return fields;
  }
  if (Buffer.isBuffer(parsed)) return new URLSearchParams(parsed.toString("utf8"));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}
