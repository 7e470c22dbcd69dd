import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.js";

const run = promisify(execFile);

/**
 * Where the real RabbitMQ scripts live (elsewhere they are looked up on PATH).
 * Debian's `/usr/sbin/rabbitmq-server` is a wrapper that switches root to the
 * `rabbitmq` user and the shared node's cookie; a private node runs as the calling
 * user with a home (and cookie) of its own.
 */
const SBIN = existsSync("/usr/lib/rabbitmq/bin") ? "/usr/lib/rabbitmq/bin" : "";
const tool = (name: string) => (SBIN ? join(SBIN, name) : name);

let started = 0;

/**
 * A RabbitMQ node of a test's own (`troupe-test-<pid>-<n>@localhost`) on free
 * loopback ports, with its data, logs, cookie and an empty plugin list in a
 * temporary folder, so a test can stop, restart and kill it without touching the
 * machine's shared RabbitMQ. Booting takes a few seconds: start one per test file.
 * `guest` may log in, over loopback only.
 */
export class PrivateRabbitmq {
  private process: ChildProcess | undefined;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly nodeName: string,
    readonly port: number,
    private readonly dir: string,
    distPort: number,
  ) {
    const home = join(dir, "home");
    mkdirSync(home);
    mkdirSync(join(dir, "mnesia"));
    mkdirSync(join(dir, "log"));
    writeFileSync(join(dir, "enabled_plugins"), "[].\n");
    writeFileSync(join(dir, "rabbitmq.conf"), `listeners.tcp.local = 127.0.0.1:${port}\nloopback_users.guest = true\n`);
    this.env = {
      ...process.env,
      HOME: home,
      RABBITMQ_NODENAME: nodeName,
      RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq.conf"),
      RABBITMQ_MNESIA_BASE: join(dir, "mnesia"),
      RABBITMQ_LOG_BASE: join(dir, "log"),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "enabled_plugins"),
      RABBITMQ_PID_FILE: join(dir, "rabbitmq.pid"),
    };
  }

  /** Boots a fresh node and resolves once it accepts AMQP connections. */
  static async start(): Promise<PrivateRabbitmq> {
    const dir = mkdtempSync(join(tmpdir(), "troupe-rabbitmq-"));
    const node = new PrivateRabbitmq(`troupe-test-${process.pid}-${++started}@localhost`, await freePort(), dir, await freePort());
    try {
      await node.boot();
    } catch (error) {
      await node.close();
      throw error;
    }
    return node;
  }

  /** `amqp://guest:guest@127.0.0.1:<port>`. */
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  /** Runs `rabbitmqctl -n <node> ...args` and returns its output. */
  async ctl(...args: string[]): Promise<string> {
    const { stdout } = await run(tool("rabbitmqctl"), ["-n", this.nodeName, ...args], { env: this.env, timeout: 60_000 });
    return stdout;
  }

  /** Stops the RabbitMQ application (connections close, the Erlang node stays up). */
  async stopApp(): Promise<void> {
    await this.ctl("stop_app");
  }

  /** Starts the application again and resolves once it accepts AMQP connections. */
  async startApp(): Promise<void> {
    await this.ctl("start_app");
    await waitForAmqp(this.port, 60_000);
  }

  /** Stops the whole node cleanly (`rabbitmqctl stop`); `boot` starts it again on the same data. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    await this.ctl("stop").catch(() => child.kill("SIGTERM"));
    await exited;
  }

  /** Starts the node (again, after `stop`) and resolves once it accepts AMQP connections. */
  async boot(): Promise<void> {
    if (this.process) throw new Error(`the private RabbitMQ node ${this.nodeName} is already running`);
    // Its own process group, so a last-resort kill reaches the Erlang VM under the start script.
    const child = spawn(tool("rabbitmq-server"), [], { env: this.env, stdio: "ignore", detached: true });
    this.process = child;
    const killOnExit = () => killGroup(child);
    process.once("exit", killOnExit);
    child.once("exit", () => {
      process.off("exit", killOnExit);
      if (this.process === child) this.process = undefined;
    });
    const failed = new Promise<never>((_, reject) =>
      child.once("exit", (code) =>
        reject(new Error(`rabbitmq-server ${this.nodeName} exited (${code}) while booting; logs in ${this.dir}/log`)),
      ),
    );
    failed.catch(() => {});
    await Promise.race([waitForAmqp(this.port, 60_000), failed]);
  }

  /** Stops the node and deletes its data. */
  async close(): Promise<void> {
    const child = this.process;
    if (child) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      await this.stop().catch(() => killGroup(child));
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-(child.pid as number), "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** Resolves once the port answers an AMQP 0-9-1 protocol header with a frame (RabbitMQ's connection.start). */
export async function waitForAmqp(port: number, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await speaksAmqp(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing spoke AMQP on 127.0.0.1:${port} within ${timeout} ms`);
}

function speaksAmqp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once("connect", () => socket.write(Buffer.from("AMQP\x00\x00\x09\x01", "latin1")));
    // Frame type 1 is a method frame: connection.start. A refusal is the protocol header again.
    socket.once("data", (chunk: Buffer) => done(chunk[0] === 1));
    socket.once("error", () => done(false));
    socket.once("close", () => done(false));
  });
}
