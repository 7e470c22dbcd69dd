import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { InvalidOption } from "@troupe/core";
import type { DashboardCommand } from "../args.js";
import { checkConnection } from "../connection-check.js";
import { ExitCode } from "../exit-codes.js";
import { type DashboardLike, loadDashboardModule, loadDashboardPackage } from "../load-dashboard.js";
import { fdLogger } from "../log.js";
import { brokerForCommand } from "../resolve-broker.js";

type Auth = { token: string } | { username: string; password: string } | "none";

/** A dashboard listening, and how to stop it. */
export interface RunningDashboard {
  /** Where it answers, e.g. `http://127.0.0.1:9292/`. */
  url: string;
  /** Stops listening and closes what the command opened (broker, status store). */
  close(): Promise<void>;
}

/** True for 127.x.x.x, ::1 and localhost: the addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, "").toLowerCase();
  return name === "localhost" || name === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** Credentials from the flags, else from TROUPE_DASHBOARD_TOKEN / _USER / _PASSWORD (kept out of `ps`). */
function authOf(command: DashboardCommand, env: NodeJS.ProcessEnv): Auth {
  const token = command.token ?? env.TROUPE_DASHBOARD_TOKEN;
  const username = command.user ?? env.TROUPE_DASHBOARD_USER;
  const password = command.password ?? env.TROUPE_DASHBOARD_PASSWORD;
  if (token !== undefined && username !== undefined) throw new InvalidOption("give the dashboard a token or basic credentials, not both");
  if (token !== undefined) {
    if (token.length < 16) throw new InvalidOption("the dashboard token must be at least 16 characters");
    return { token };
  }
  if ((username === undefined) !== (password === undefined)) throw new InvalidOption("basic credentials need both a user and a password");
  if (username !== undefined && password !== undefined) return { username, password };
  return "none";
}

function refuseExposed(host: string): never {
  throw new InvalidOption(
    `refusing to serve the dashboard on ${host} without credentials: set TROUPE_DASHBOARD_TOKEN (or --token), ` +
      "or TROUPE_DASHBOARD_USER and TROUPE_DASHBOARD_PASSWORD, or listen on 127.0.0.1",
  );
}

/** Builds or loads the dashboard, checks it may listen where asked, and listens. */
export async function startDashboard(command: DashboardCommand, env: NodeJS.ProcessEnv = process.env): Promise<RunningDashboard> {
  const auth = authOf(command, env);
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  };
  try {
    const loaded = command.module ? await loadDashboardModule(command.module) : undefined;
    let dashboard: DashboardLike;
    if (loaded?.dashboard) {
      if (auth !== "none")
        throw new InvalidOption("the module's dashboard has its own auth: drop --token/--user and the TROUPE_DASHBOARD_* variables");
      dashboard = loaded.dashboard;
    } else {
      // Checked before connecting anything, so the refusal comes first.
      if (!isLoopback(command.host) && auth === "none") refuseExposed(command.host);
      const resolved = await brokerForCommand(command, env);
      closers.push(() => resolved.broker.close());
      const pkg = await loadDashboardPackage(
        [loaded?.dir, process.cwd(), process.argv[1] && dirname(process.argv[1])].filter((dir): dir is string => !!dir),
      );
      let statusStore = loaded?.statusStore;
      if (!statusStore) {
        const namespace = command.statusNamespace;
        const url = command.statusUrl ?? env.TROUPE_STATUS_URL;
        // A Redis broker's own connection serves the records too, unless they live elsewhere.
        const client = (resolved.broker as { client?: unknown }).client;
        if (url) statusStore = new pkg.RedisStatusStore({ url, ...(namespace ? { namespace } : {}) });
        else if (client) statusStore = new pkg.RedisStatusStore({ client, ...(namespace ? { namespace } : {}) });
        else
          throw new InvalidOption(
            "no status store: pass --status-url redis://… (where the Status middleware writes), or export statusStore from the module",
          );
        const store = statusStore;
        closers.push(() => store.close());
      }
      await checkConnection(resolved, command.queues?.[0] ?? [...resolved.broker.getDeclaredQueues()][0]);
      dashboard = pkg.createDashboard({
        broker: resolved.broker,
        statusStore,
        auth,
        basePath: command.basePath,
        ...(command.queues ? { queues: command.queues } : {}),
      });
    }
    if (!isLoopback(command.host) && !dashboard.requiresCredentials) refuseExposed(command.host);
    const server = createServer(dashboard);
    await listen(server, command.port, command.host);
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const { port } = server.address() as AddressInfo;
    const host = command.host.includes(":") && !command.host.startsWith("[") ? `[${command.host}]` : command.host;
    return { url: `http://${host}:${port}${dashboard.basePath}`, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new InvalidOption(`${host}:${port} is already in use: pick another --port`) : error),
    );
    server.listen(port, host, () => resolve());
  });
}

/**
 * `troupe dashboard [MODULE]`: serves the dashboard until SIGTERM or SIGINT. It binds to
 * 127.0.0.1 unless told otherwise, and refuses any other address without credentials.
 */
export async function dashboardCommand(command: DashboardCommand, env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  const log = fdLogger(process.stderr.fd, { verbose: false });
  const running = await startDashboard(command, env);
  log.info(`dashboard listening on ${running.url}`);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  await running.close();
  log.info("dashboard stopped");
  return ExitCode.Ok;
}
