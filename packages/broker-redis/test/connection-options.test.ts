import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { actor, ConnectionError, Worker } from "@troupe/core";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisBroker } from "../src/index.js";
import { deleteNamespace, quietLogger, REDIS_URL, uniqueNamespace } from "./helpers.js";

const servers: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const server of servers) server.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => resolve(socket.destroy() && true));
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });

/** A throwaway redis-server of this test's own, on a port of its own. */
async function startRedis(args: string[]): Promise<number> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const portArgs = args.includes("--tls-port") ? ["--port", "0", "--tls-port", String(port)] : ["--port", String(port)];
  const server = spawn("redis-server", [...portArgs, "--save", "", "--appendonly", "no", ...args.filter((a) => a !== "--tls-port")], {
    stdio: "ignore",
  });
  servers.push(server);
  for (let i = 0; i < 100 && !(await portOpen(port)); i++) await new Promise((r) => setTimeout(r, 50));
  return port;
}

/** Sends one message through `broker` and runs it there: the connection really works. */
async function roundTrip(broker: RedisBroker): Promise<number[]> {
  const seen: number[] = [];
  const echo = actor("echo", (n: number) => void seen.push(n), { broker, queueName: "conn" });
  const worker = new Worker(broker, { concurrency: 1, workerTimeout: 100 });
  await worker.start();
  await echo.send(42);
  await broker.join("conn", { timeout: 10_000 });
  await worker.stop();
  return seen;
}

describe("RedisBroker connection options", () => {
  it("uses an existing ioredis client and leaves it open on close", async () => {
    const namespace = uniqueNamespace("client");
    const client = new Redis(REDIS_URL);
    const broker = new RedisBroker({ client, namespace, logger: quietLogger });
    expect(await roundTrip(broker)).toEqual([42]);
    await broker.close();
    expect(await client.ping()).toBe("PONG");
    await deleteNamespace(client, namespace);
    await client.quit();
  });

  it("stores its keys in the database the URL names", async () => {
    const namespace = uniqueNamespace("db");
    const broker = new RedisBroker({ url: `${REDIS_URL}/7`, namespace, logger: quietLogger });
    await actor("parked", () => {}, { broker, queueName: "parked" }).send();
    const db7 = new Redis(`${REDIS_URL}/7`);
    const db0 = new Redis(`${REDIS_URL}/0`);
    expect(await db7.llen(`${namespace}:parked`)).toBe(1);
    expect(await db0.exists(`${namespace}:parked`)).toBe(0);
    await broker.close();
    await deleteNamespace(db7, namespace);
    await Promise.all([db7.quit(), db0.quit()]);
  });

  it("authenticates with the password in the URL; a wrong one is a ConnectionError that hides it", async () => {
    const port = await startRedis(["--requirepass", "s3cret"]);
    const good = new RedisBroker({ url: `redis://:s3cret@127.0.0.1:${port}/0`, logger: quietLogger });
    expect(await roundTrip(good)).toEqual([42]);
    await good.close();
    const bad = new RedisBroker({ url: `redis://:wrong@127.0.0.1:${port}/0`, connectTimeout: 1_000, logger: quietLogger });
    const error = await actor("nope", () => {}, { broker: bad, queueName: "conn" })
      .send()
      .catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).not.toContain("wrong");
    await bad.close();
  });

  it("connects over TLS with rediss://", async () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-tls-"));
    dirs.push(dir);
    const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1"].concat([
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ]),
      { stdio: "ignore" },
    );
    const port = await startRedis([
      "--tls-port",
      "--tls-cert-file",
      cert,
      "--tls-key-file",
      key,
      "--tls-ca-cert-file",
      cert,
      "--tls-auth-clients",
      "no",
    ]);
    const broker = new RedisBroker({
      url: `rediss://127.0.0.1:${port}/0`,
      redisOptions: { tls: { ca: readFileSync(cert) } },
      logger: quietLogger,
    });
    expect(await roundTrip(broker)).toEqual([42]);
    await broker.close();
  });
});
