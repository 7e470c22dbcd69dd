import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MetricsServerError } from "./metrics-server-error.js";

/** What a scrape returns: the text and its content type. */
export interface Exposition {
  /** The `content-type` of the text format. */
  contentType: string;
  /** The metrics, in the text format. */
  body: string;
}

/** Serves `GET /metrics` from `render`, called once per scrape. */
export class ExpositionServer {
  private server: Server | undefined;

  constructor(private readonly render: () => Promise<Exposition>) {}

  /** The bound address once listening (the real port when 0 was asked for). */
  get address():
    | {
        /** The bound interface. */
        host: string;
        /** The bound port. */
        port: number;
      }
    | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? { host: address.address, port: address.port } : undefined;
  }

  /** Starts serving; rejects with `MetricsServerError` when the address cannot be bound. */
  async listen(
    host: string,
    port: number,
  ): Promise<{
    /** The bound interface. */
    host: string;
    /** The bound port. */
    port: number;
  }> {
    const server = createServer((request, response) => {
      const path = (request.url ?? "/").split("?")[0];
      if (request.method !== "GET" || path !== "/metrics") {
        response.writeHead(404, { "content-type": "text/plain" }).end("not found: scrape /metrics\n");
        return;
      }
      this.render().then(
        ({ contentType, body }) => response.writeHead(200, { "content-type": contentType }).end(body),
        (error) => response.writeHead(500, { "content-type": "text/plain" }).end(`collecting metrics failed: ${error}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) =>
        reject(new MetricsServerError(`cannot serve metrics on ${host}:${port}: ${error.message}`, { cause: error })),
      );
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return this.address as { host: string; port: number };
  }

  /** Stops serving, closing keep-alive connections of scrapers too. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    // A scraper's keep-alive connection would otherwise hold the close open.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
