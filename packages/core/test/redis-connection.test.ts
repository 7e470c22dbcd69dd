import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Cluster, Redis, type RedisOptions } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../../test-support/free-port.js";
import { PrivateRedis, waitForPort } from "../../../test-support/private-redis.js";
import {
  assertKnownOptions,
  ConnectionError,
  InvalidOption,
  type Logger,
  optionKeys,
  REDIS_CONNECTION_OPTION_KEYS,
  RedisBlockingPool,
  RedisConnection,
  type RedisConnectionOptions,
} from "../src/index.js";

const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";
type Options = RedisConnectionOptions<Redis | Cluster, RedisOptions>;
const connect = (options: Options, logger?: Logger) => new RedisConnection<Redis | Cluster, RedisOptions>(Redis, options, { logger });
const unique = (what: string) => `troupe-core-redis-test:${what}:${process.pid}:${Math.random().toString(36).slice(2)}`;

const servers: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const server of servers) server.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway redis-server of this file's own, with `args`; `tls` serves TLS only on the returned port. */
async function startRedis(args: string[], tls = false): Promise<number> {
  const port = await freePort();
  const ports = tls ? ["--port", "0", "--tls-port", String(port)] : ["--port", String(port)];
  const server = spawn("redis-server", [...ports, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...args], { stdio: "ignore" });
  servers.push(server);
  await waitForPort(port, 10_000);
  return port;
}

/** Log lines by level, for the tests of what an outage logs. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

async function eventually(check: () => boolean, what: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("RedisConnection", () => {
  it("connects with the password and database of the URL, and never shows the password", async () => {
    const port = await startRedis(["--requirepass", "p@ss:w0rd"]);
    // Unencoded, as users write it: the password's "@" and ":" must neither break the login nor show.
    const url = `redis://:p@ss:w0rd@127.0.0.1:${port}/3`;
    const connection = connect({ url });
    expect(connection.owned).toBe(true);
    expect(connection.name).toBe(`Redis at redis://:***@127.0.0.1:${port}/3`);
    await connection.bounded("writing", () => connection.client.set("k", "v"));
    const db3 = new Redis({ port, password: "p@ss:w0rd", db: 3 });
    const db0 = new Redis({ port, password: "p@ss:w0rd", db: 0 });
    expect([await db3.get("k"), await db0.get("k")]).toEqual(["v", null]);
    await Promise.all([db3.quit(), db0.quit(), connection.close()]);
    expect(connection.client.status).toBe("end");

    const wrong = connect({ url: `redis://:hunter2@127.0.0.1:${port}/3`, connectTimeout: 500 });
    const error = await wrong.bounded("writing", () => wrong.client.set("k", "w")).catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`redis://:***@127.0.0.1:${port}/3`);
    expect((error as Error).message).not.toContain("hunter2");
    await wrong.close();
  });

  it("makes its client with the same driver options everywhere, which redisOptions override", async () => {
    const connection = connect({ url: REDIS_URL, connectTimeout: 1_234, redisOptions: { enableAutoPipelining: false, db: 2 } });
    const options = (connection.client as Redis).options;
    expect(options).toMatchObject({ lazyConnect: true, connectTimeout: 1_234, maxRetriesPerRequest: null, db: 2 });
    expect(options.enableAutoPipelining).toBe(false);
    expect([1, 3, 10].map((attempt) => options.retryStrategy?.(attempt))).toEqual([100, 400, 2000]);
    // Lazy: nothing connected before the first use.
    expect(connection.client.status).toBe("wait");
    await connection.close();
  });

  it("uses a given client as is and leaves it open on close", async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    const connection = connect({ client, url: "redis://ignored.invalid:1" });
    expect([connection.client, connection.owned, connection.name]).toEqual([client, false, "Redis"]);
    const key = unique("given");
    await connection.bounded("writing", () => client.set(key, "1", "PX", 60_000));
    await connection.close();
    expect(await client.get(key)).toBe("1");
    expect(client.status).toBe("ready");
    await client.del(key);
    await client.quit();
  });

  it("fails within connectTimeout on an unreachable port, naming the URL without its password", async () => {
    const port = await freePort();
    const connection = connect({ url: `redis://:s3cret@127.0.0.1:${port}/0`, connectTimeout: 300 });
    const started = performance.now();
    const error = await connection.bounded("reading", () => connection.client.get("k")).catch((e: unknown) => e);
    const waited = performance.now() - started;
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(`^reading failed: could not reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/0 within 300 ms: .*ECONNREFUSED`),
    );
    expect((error as Error).message).not.toContain("s3cret");
    expect((error as ConnectionError).cause).toBeInstanceOf(Error);
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(2_000);
    await connection.close();
  });

  it("gives up on a server that accepts the connection but never answers, and drops that connection", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    const port = await new Promise<number>((resolve) =>
      silent.listen(0, "127.0.0.1", () => resolve((silent.address() as { port: number }).port)),
    );
    const logger = recordingLogger();
    const connection = connect({ url: `redis://127.0.0.1:${port}`, connectTimeout: 300 }, logger);
    const error = await connection.whenReady().catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`could not reach Redis at redis://127.0.0.1:${port} within 300 ms`);
    expect(logger.lines).toContain(
      `warn the handshake got no answer from Redis at redis://127.0.0.1:${port}: presuming the connection dead and reconnecting`,
    );
    await connection.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("connects over TLS with rediss://, trusting the certificate given in redisOptions", async () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-core-tls-"));
    dirs.push(dir);
    const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
    const subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"];
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", ...subject], {
      stdio: "ignore",
    });
    const tlsArgs = ["--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", cert, "--tls-auth-clients", "no"];
    const port = await startRedis(tlsArgs, true);
    const connection = connect({ url: `rediss://127.0.0.1:${port}/0`, redisOptions: { tls: { ca: readFileSync(cert) } } });
    expect(await connection.bounded("ping", () => connection.client.ping())).toBe("PONG");
    expect(connection.stream?.constructor.name).toBe("TLSSocket");
    await connection.close();

    const untrusted = connect({ url: `rediss://127.0.0.1:${port}/0`, connectTimeout: 500 });
    const error = await untrusted.bounded("ping", () => untrusted.client.ping()).catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/self[- ]signed certificate/);
    await untrusted.close();
  });

  it("logs an outage once when it starts and once when it ends, and tells onReconnect listeners", async () => {
    const redis = await PrivateRedis.start();
    try {
      const logger = recordingLogger();
      const connection = connect({ url: redis.url, connectTimeout: 2_000 }, logger);
      let reconnects = 0;
      const stop = connection.onReconnect(() => reconnects++);
      await connection.whenReady();
      await redis.kill();
      await eventually(() => !connection.ready, "the connection noticing the outage");
      // Several failed attempts, one line.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await redis.restart();
      await connection.whenReady();
      expect(await connection.bounded("ping", () => connection.client.ping())).toBe("PONG");
      const name = `Redis at ${redis.url}`;
      expect(logger.lines.filter((line) => line.startsWith("warn"))).toEqual([
        expect.stringMatching(new RegExp(`^warn lost the connection to ${name}.*; reconnecting$`)),
      ]);
      expect(logger.lines.filter((line) => line.startsWith("info"))).toEqual([`info reconnected to ${name}`]);
      expect(reconnects).toBe(1);
      stop();
      await connection.close();
    } finally {
      await redis.close();
    }
  });

  it("bounds a command that gets no answer by its limit", async () => {
    const connection = connect({ url: REDIS_URL, connectTimeout: 5_000 });
    const error = await connection
      .bounded("waiting on a list", () => (connection.client as Redis).blpop(unique("never"), 2), 200)
      .catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`waiting on a list got no answer from Redis at ${REDIS_URL} within 200 ms`);
    // Closing politely would wait for the BLPOP's reply.
    connection.kill();
  });

  it("duplicates: a connection of its own, named for its purpose, closed without closing the original", async () => {
    const client = new Redis(REDIS_URL);
    const connection = connect({ client });
    const duplicate = connection.duplicate({ enableAutoPipelining: false }, "subscriptions");
    expect([duplicate.owned, duplicate.name, (duplicate.client as Redis).options.enableAutoPipelining]).toEqual([
      true,
      "Redis (subscriptions)",
      false,
    ]);
    expect(await duplicate.bounded("ping", () => duplicate.client.ping())).toBe("PONG");
    await duplicate.close();
    expect(duplicate.client.status).toBe("end");
    expect(await client.ping()).toBe("PONG");
    await connection.close();
    await client.quit();
  });

  it("RedisBlockingPool gives each blocked caller a client of its own and reuses idle ones", async () => {
    const connection = connect({ url: REDIS_URL });
    const pool = new RedisBlockingPool(connection, 1);
    const key = unique("blocking");
    const used = new Set<unknown>();
    const pop = () =>
      pool.run("waiting", 5_000, (client) => {
        used.add(client);
        return (client as Redis).brpoplpush(key, key, 3);
      });
    const waiting = [pop(), pop(), pop()];
    await new Promise((resolve) => setTimeout(resolve, 100));
    await connection.bounded("pushing", () => (connection.client as Redis).lpush(key, "x"));
    expect(await Promise.all(waiting)).toEqual(["x", "x", "x"]);
    expect(used.size).toBe(3);
    expect(used.has(connection.client)).toBe(false);
    // One idle client was kept, and serves the next caller.
    await pop();
    expect(used.size).toBe(3);
    pool.close();
    await expect(pop()).rejects.toThrow(ConnectionError);
    await connection.bounded("cleaning up", () => (connection.client as Redis).del(key));
    await connection.close();
  });
});

describe("RedisConnection options", () => {
  const known = optionKeys<Options & { namespace?: string }>({ ...REDIS_CONNECTION_OPTION_KEYS, namespace: true });

  it.each([
    ["redis_options", "redisOptions"],
    ["connectTimout", "connectTimeout"],
    ["clinet", "client"],
    ["URL", "url"],
  ])("an adapter spreading REDIS_CONNECTION_OPTION_KEYS refuses %s, naming %s", (key, meant) => {
    const create = () => assertKnownOptions("SomeRedisStore", { [key]: 1 }, known);
    expect(create).toThrow(InvalidOption);
    expect(create).toThrow(`unknown option "${key}" for SomeRedisStore; did you mean "${meant}"?`);
  });

  it("the shared keys are exactly the connection options", () => {
    expect(Object.keys(REDIS_CONNECTION_OPTION_KEYS).sort()).toEqual([
      "client",
      "connectTimeout",
      "db",
      "host",
      "password",
      "port",
      "redisOptions",
      "url",
      "username",
    ]);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, "100"])("refuses connectTimeout %s", (connectTimeout) => {
    const create = () => connect({ url: REDIS_URL, connectTimeout: connectTimeout as number });
    expect(create).toThrow(InvalidOption);
    expect(create).toThrow(/connectTimeout must be a positive number of ms/);
  });
});
