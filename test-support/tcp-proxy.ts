import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A loopback TCP proxy for fault tests: clients connect to `port`, bytes go to
 * `target`. A test can drop every connection (`drop`), stall them (`stall`: the
 * sockets stay open but no byte moves either way, as on a black-holed link), or
 * refuse new ones (`refuse`). Bytes sent during a stall are discarded, so a stream
 * resumed mid-stall is corrupt: end a stall with `drop`, as a real link that comes
 * back after the peers' timeouts resets its connections.
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private stalled = false;
  private refusing = false;
  port = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client));
  }

  /** Starts a proxy on a free loopback port in front of `target`. */
  static async start(target: { host?: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy({ host: target.host ?? "127.0.0.1", port: target.port });
    await new Promise<void>((resolve, reject) => {
      proxy.server.once("error", reject);
      proxy.server.listen(0, "127.0.0.1", () => resolve());
    });
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  /** Connections open through the proxy now. */
  get connections(): number {
    return this.pairs.size;
  }

  private accept(client: Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const forward = (from: Socket, to: Socket) =>
      from.on("data", (chunk) => {
        if (!this.stalled) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
  }

  /** Resets every open connection, as a broker restart or a network fault would. */
  drop(): void {
    for (const { client, upstream } of this.pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** Stops moving bytes on open and new connections (discarding them) until `resume`. */
  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
  }

  /** New connections are closed at once while refusing; open ones are left alone. */
  refuse(refusing = true): void {
    this.refusing = refusing;
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
