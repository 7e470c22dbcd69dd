import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Runs `rabbitmqctl` without blocking the event loop (clients must keep running meanwhile). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run("rabbitmqctl", args, { timeout: 60_000 });
  return stdout;
}

/** Starts the (stopped) RabbitMQ application again after `ms`. */
export async function restartRabbitmq(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  await rabbitmqctl("start_app");
}

/** Force-closes, as an operator would, every connection whose client-provided name starts with `prefix`. */
export async function closeConnections(prefix: string): Promise<number> {
  const lines = (await rabbitmqctl("list_connections", "--quiet", "--no-table-headers", "pid", "client_properties")).split("\n");
  const pids = lines.filter((line) => line.includes(`{"connection_name","${prefix}`)).map((line) => line.split("\t")[0]);
  await Promise.all(pids.map((pid) => rabbitmqctl("close_connection", pid, "closed by a test")));
  return pids.length;
}
