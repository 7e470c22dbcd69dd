import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Serves `handler` on 127.0.0.1 at a free port. */
export async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A response read to the end. */
export interface Reply {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * A cookie-keeping HTTP client, as a browser is for the dashboard: it remembers the
 * cookies it is given and reads the CSRF token from the last page it loaded.
 */
export class Client {
  readonly cookies = new Map<string, string>();
  csrf = "";

  constructor(
    readonly origin: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  private async request(path: string, init: RequestInit): Promise<Reply> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const response = await fetch(this.origin + path, {
      ...init,
      redirect: "manual",
      headers: { ...this.headers, ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string>) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      const value = pair.slice(at + 1);
      if (/max-age=0/i.test(line)) this.cookies.delete(pair.slice(0, at));
      else this.cookies.set(pair.slice(0, at), value);
    }
    const body = await response.text();
    const token = /<meta name="csrf-token" content="([^"]+)">/.exec(body)?.[1] ?? /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    if (token) this.csrf = token;
    return { status: response.status, headers: response.headers, body };
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request(path, { method: "GET", headers });
  }

  /** A form POST carrying the CSRF token (unless `csrf: false` or another token is given). */
  post(
    path: string,
    fields: Record<string, string | string[]>,
    options: { csrf?: string | false; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
    if (options.csrf !== false) body.set("_csrf", options.csrf ?? this.csrf);
    return this.request(path, {
      method: "POST",
      body: body.toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", ...options.headers },
    });
  }
}

/** A GET with headers fetch() will not send (`Host`), or from another loopback address: the status code. */
export function statusWithHeaders(url: string, headers: Record<string, string>, localAddress?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, localAddress }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}
