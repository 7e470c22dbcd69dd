import { type ChildProcess, spawn } from "node:child_process";
import { type Cluster, Redis, type RedisOptions } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../../test-support/free-port.js";
import { waitForPort } from "../../../test-support/private-redis.js";
import { ConnectionError, InvalidOption, RedisConnection, type RedisConnectionOptions } from "../src/index.js";

const REDIS = new URL(process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379");
type Options = RedisConnectionOptions<Redis | Cluster, RedisOptions>;
const connect = (options: Options) => new RedisConnection<Redis | Cluster, RedisOptions>(Redis, options);
const unique = (what: string) => `troupe-core-redis-address-test:${what}:${process.pid}:${Math.random().toString(36).slice(2)}`;
// Unencoded, with the characters a URL would need escaped: as options they need none.
const PASSWORD = "p@ss:w0rd/#;?";

const servers: ChildProcess[] = [];
afterAll(() => {
  for (const server of servers) server.kill("SIGKILL");
});

/** A throwaway redis-server of this file's own, with `args` (a password, an ACL user). */
async function startRedis(args: string[]): Promise<number> {
  const port = await freePort();
  const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...args], {
    stdio: "ignore",
  });
  servers.push(server);
  await waitForPort(port, 10_000);
  return port;
}

describe("RedisConnection from host, port, db, username and password (as Dramatiq's RedisBroker takes them)", () => {
  it("reaches the host and port given, in the db given", async () => {
    const connection = connect({ host: REDIS.hostname, port: Number(REDIS.port || 6379), db: 3 });
    expect(connection.name).toBe(`Redis at redis://${REDIS.hostname}:${REDIS.port || 6379}/3`);
    const key = unique("db3");
    await connection.bounded("writing", () => connection.client.set(key, "v", "PX", 60_000));
    const db3 = new Redis({ host: REDIS.hostname, port: Number(REDIS.port || 6379), db: 3 });
    const db0 = new Redis({ host: REDIS.hostname, port: Number(REDIS.port || 6379), db: 0 });
    expect([await db3.get(key), await db0.get(key)]).toEqual(["v", null]);
    // A duplicate (a blocking read's client) keeps the db.
    const duplicate = connection.duplicateClient();
    expect(await duplicate.get(key)).toBe("v");
    await db3.del(key);
    await Promise.all([db3.quit(), db0.quit(), duplicate.quit(), connection.close()]);
  });

  it("logs in with the password given, unencoded, and never shows it", async () => {
    const port = await startRedis(["--requirepass", PASSWORD]);
    const connection = connect({ port, password: PASSWORD, db: 2 });
    expect(connection.name).toBe(`Redis at redis://:***@127.0.0.1:${port}/2`);
    expect(await connection.bounded("ping", () => connection.client.ping())).toBe("PONG");
    await connection.close();

    const wrong = connect({ port, password: "hunter2", db: 2, connectTimeout: 500 });
    const error = await wrong.bounded("ping", () => wrong.client.ping()).catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`redis://:***@127.0.0.1:${port}/2`);
    expect((error as Error).message).not.toContain("hunter2");
    await wrong.close();
  });

  it("logs in as the ACL user given", async () => {
    const port = await startRedis(["--user", "alice", "on", `>${PASSWORD}`, "~*", "&*", "+@all"]);
    const connection = connect({ host: "127.0.0.1", port, username: "alice", password: PASSWORD });
    expect(connection.name).toBe(`Redis at redis://alice:***@127.0.0.1:${port}`);
    expect(await connection.bounded("whoami", () => (connection.client as Redis).acl("WHOAMI"))).toBe("alice");
    await connection.close();
  });

  it("fails within connectTimeout on an unreachable port, naming redis://host:port/db with the password hidden", async () => {
    const port = await freePort();
    const connection = connect({ host: "127.0.0.1", port, db: 0, password: "s3cret", connectTimeout: 300 });
    const error = await connection.bounded("reading", () => connection.client.get("k")).catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(`^reading failed: could not reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/0 within 300 ms: .*ECONNREFUSED`),
    );
    expect((error as Error).message).not.toContain("s3cret");
    await connection.close();
  });

  it.each<[string, () => Options, string]>([
    ["url and host", () => ({ url: "redis://127.0.0.1:6379", host: "127.0.0.1" }), "got url and host"],
    ["url and port", () => ({ url: "redis://127.0.0.1:6379", port: 6380 }), "got url and port"],
    [
      "url and three pieces",
      () => ({ url: "redis://127.0.0.1:6379", host: "h", port: 1, password: "s3cret" }),
      "got url and host, port, password",
    ],
    ["client and db", () => ({ client: new Redis({ lazyConnect: true }), db: 1 }), "got client and db"],
  ])("refuses %s: the address is given once, and the error names both", (_, options, naming) => {
    const create = () => connect(options());
    expect(create).toThrow(InvalidOption);
    expect(create).toThrow(naming);
    expect(create).not.toThrow(/s3cret/);
  });

  it.each<[Options, RegExp]>([
    [{ host: "" }, /host must be a non-empty string/],
    [{ host: "bad host" }, /host must be a host name or an IP address/],
    [{ port: 0 }, /port must be an integer from 1 to 65535, got 0/],
    [{ port: "6379" as unknown as number }, /port must be an integer/],
    [{ db: -1 }, /db must be an integer from 0, got -1/],
    [{ db: 1.5 }, /db must be an integer/],
    [{ password: 1234 as unknown as string }, /password must be a string, got a number/],
    [{ username: ["u"] as unknown as string }, /username must be a string/],
  ])("refuses %o", (options, message) => {
    expect(() => connect(options)).toThrow(InvalidOption);
    expect(() => connect(options)).toThrow(message);
  });

  it("brackets an IPv6 host in the URL it connects to", () => {
    const connection = connect({ host: "::1", port: 6390 });
    expect(connection.name).toBe("Redis at redis://[::1]:6390");
    expect((connection.client as Redis).options).toMatchObject({ host: "::1", port: 6390 });
    connection.kill();
  });
});
