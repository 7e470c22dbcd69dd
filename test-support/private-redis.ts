import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";

/**
 * A `redis-server` of a test's own, on a free loopback port, so a test can stop,
 * kill and restart it without touching the machine's shared Redis. With
 * `appendonly`, data survives a restart (as a production Redis with AOF).
 */
export class PrivateRedis {
  private process: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "troupe-redis-"));

  private constructor(
    readonly port: number,
    private readonly appendonly: boolean,
  ) {}

  static async start(options: { appendonly?: boolean } = {}): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), options.appendonly ?? false);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again, after `stop` or `kill`) on the same port and data folder. */
  async restart(): Promise<void> {
    if (this.process) throw new Error("the private redis-server is already running");
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--dir", this.dir];
    args.push("--appendonly", this.appendonly ? "yes" : "no", "--appendfsync", "always");
    const child = spawn("redis-server", args, { stdio: "ignore" });
    this.process = child;
    child.once("exit", () => {
      if (this.process === child) this.process = undefined;
    });
    await waitForPort(this.port, 10_000);
  }

  /** Kills the server at once (SIGKILL): clients see their connections reset. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  /** Shuts the server down cleanly (SIGTERM). */
  async stop(): Promise<void> {
    await this.signal("SIGTERM");
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.process;
    if (!child) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
    this.process = undefined;
  }

  async close(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resolves once something accepts connections on the loopback port; rejects after `timeout` ms. */
export async function waitForPort(port: number, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeout} ms`);
}
