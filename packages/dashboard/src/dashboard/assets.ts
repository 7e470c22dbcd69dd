import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import script from "./assets/dashboard.client.js";
import styles from "./assets/dashboard.css";
import { send } from "./http.js";

interface Asset {
  type: string;
  body: string;
  etag: string;
}

const asset = (type: string, body: string): Asset => ({
  type,
  body,
  etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"`,
});

/** Everything the pages load, bundled in the package: nothing comes from a CDN, so the dashboard works offline. */
const ASSETS: Record<string, Asset> = {
  "assets/dashboard.css": asset("text/css; charset=utf-8", styles),
  "assets/dashboard.js": asset("text/javascript; charset=utf-8", script),
};

/** Serves a bundled asset (revalidated by ETag); false when `path` names none. */
export function serveAsset(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const found = ASSETS[path];
  if (!found) return false;
  const headers = { etag: found.etag, "cache-control": "no-cache" };
  if (req.headers["if-none-match"] === found.etag) {
    res.writeHead(304, headers);
    res.end();
  } else {
    send(res, 200, found.type, found.body, headers);
  }
  return true;
}
