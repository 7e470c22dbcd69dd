import { redactUrl } from "../broker-from-url.js";
import { InvalidOption } from "../errors.js";
import { DEFAULT_REDIS_URL, type RedisConnectionOptions } from "./redis-connection-options.js";

/** The options that give the address piece by piece, as redis-py's `Redis(host=, port=, db=, username=, password=)`. */
const PIECES = ["host", "port", "db", "username", "password"] as const;

/** Where a client made by `RedisConnection` connects, and how logs and errors name it. */
export interface RedisAddress {
  /** The URL handed to the driver. */
  url: string;
  /**
   * The pieces the driver takes as options rather than in `url`: a password goes as is,
   * so it needs no percent-encoding.
   */
  driverOptions: { db?: number; username?: string; password?: string };
  /** `redis://[user]:***@host:port[/db]`: the address with its password hidden. */
  display: string;
}

/**
 * The address of `options`: its `url`, or one made of `host`, `port`, `db`, `username`
 * and `password`, or the default one.
 *
 * @throws InvalidOption when `url` or `client` comes with a piece (naming both), or a piece is malformed.
 */
export function redisAddress(options: RedisConnectionOptions<unknown, object>): RedisAddress {
  const given = PIECES.filter((key) => options[key] !== undefined);
  const other = options.url !== undefined ? "url" : options.client !== undefined ? "client" : undefined;
  if (other && given.length > 0) {
    throw new InvalidOption(`give Redis either ${other} or host/port/db/username/password, not both: got ${other} and ${given.join(", ")}`);
  }
  if (given.length === 0) {
    const url = options.url ?? DEFAULT_REDIS_URL;
    return { url, driverOptions: {}, display: redactUrl(url) };
  }
  const { host = "127.0.0.1", port = 6379, db, username, password } = options;
  if (typeof host !== "string" || host === "") throw new InvalidOption(`host must be a non-empty string, got ${String(host)}`);
  if (!(Number.isInteger(port) && port >= 1 && port <= 65_535))
    throw new InvalidOption(`port must be an integer from 1 to 65535, got ${String(port)}`);
  if (db !== undefined && !(Number.isInteger(db) && db >= 0)) throw new InvalidOption(`db must be an integer from 0, got ${String(db)}`);
  for (const [key, value] of [
    ["username", username],
    ["password", password],
  ] as const) {
    // The value itself is not shown: a password in the wrong option would be printed.
    if (value !== undefined && typeof value !== "string") throw new InvalidOption(`${key} must be a string, got a ${typeof value}`);
  }
  // An IPv6 address is bracketed in a URL.
  const authority = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const url = `redis://${authority}`;
  try {
    new URL(url);
  } catch {
    throw new InvalidOption(`host must be a host name or an IP address, got ${JSON.stringify(host)}`);
  }
  const credentials =
    password !== undefined
      ? `${encodeURIComponent(username ?? "")}:***@`
      : username !== undefined
        ? `${encodeURIComponent(username)}@`
        : "";
  return {
    url,
    driverOptions: Object.fromEntries(Object.entries({ db, username, password }).filter(([, value]) => value !== undefined)),
    display: `redis://${credentials}${authority}${db !== undefined ? `/${db}` : ""}`,
  };
}
