import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { Socket } from "node:net";

/**
 * vitest globalSetup: make sure the services a package's tests need are up.
 * A service that is installed but down is started; a missing one fails the run
 * with one line that says how to install it.
 */
type Service = { port: number; binary: string; start: string[]; install: string };

const SERVICES: Record<string, Service> = {
  redis: {
    port: 6379,
    binary: "redis-server",
    start: ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no"],
    install: "apt-get install -y redis-server",
  },
  rabbitmq: {
    port: 5672,
    binary: "rabbitmq-server",
    start: ["rabbitmq-server", "-detached"],
    install: "apt-get install -y rabbitmq-server",
  },
  memcached: {
    port: 11211,
    binary: "memcached",
    start: ["memcached", "-d", "-u", "memcache", "-l", "127.0.0.1"],
    install: "apt-get install -y memcached",
  },
};

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1");
  });
}

function installed(binary: string): boolean {
  if (spawnSync("sh", ["-c", `command -v ${binary}`]).status === 0) return true;
  return ["/usr/sbin/", "/usr/bin/", "/usr/lib/rabbitmq/bin/"].some((dir) => existsSync(dir + binary));
}

async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portOpen(port)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function ensure(name: string): Promise<void> {
  const service = SERVICES[name];
  if (!service) throw new Error(`unknown test service "${name}"`);
  if (await portOpen(service.port)) return;
  if (!installed(service.binary)) {
    throw new Error(`${name} is not installed and not listening on 127.0.0.1:${service.port}: run \`${service.install}\``);
  }
  execFileSync(service.start[0], service.start.slice(1), { stdio: "ignore" });
  if (!(await waitForPort(service.port, 60_000))) {
    throw new Error(`${name} was started but 127.0.0.1:${service.port} did not open within 60 s: check its log`);
  }
}

export default async function setup(project?: { config?: { env?: Record<string, string> } }): Promise<void> {
  const list = project?.config?.env?.TROUPE_TEST_SERVICES ?? "";
  const wanted = list.split(",").filter(Boolean);
  for (const name of wanted) await ensure(name);
}
