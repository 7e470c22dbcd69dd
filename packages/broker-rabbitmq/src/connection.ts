import { ConnectionError, type Logger, redactUrl } from "@troupe/core";
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from "amqplib";
import { errorRedactor } from "./url-list.js";

export interface ConnectionSettings {
  /** Tried in turn, for failover between cluster nodes (see `amqpUrlList`). */
  urls: readonly string[];
  connectTimeout: number;
  /** ms; 0 turns heartbeats off. */
  heartbeat: number;
  socketOptions: Record<string, unknown> | undefined;
  logger: Logger;
  /** Says which connection a log line is about ("producer", "consumer"). */
  role: string;
  /** Shown by RabbitMQ as the connection's name. */
  name: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Adds the heartbeat (seconds) to a URL that does not set one itself. */
function withHeartbeat(url: string, heartbeat: number): string {
  if (/[?&]heartbeat=/.test(url)) return url;
  return `${url}${url.includes("?") ? "&" : "?"}heartbeat=${Math.round(heartbeat / 1000)}`;
}

/**
 * One AMQP connection that comes back after it is lost. Nothing reconnects on a
 * timer: the next caller of `connect()` dials again, trying each URL in turn (round
 * robin, from the one after the URL that failed or was lost), backing off after each
 * round, and gets a `ConnectionError` naming every URL once `connectTimeout` has
 * passed. The loss and the recovery are logged once each; no password is shown,
 * in a URL or in a driver's error.
 */
export class ConnectionManager {
  private connection: ChannelModel | undefined;
  private connecting: Promise<ChannelModel> | undefined;
  /** The index in `urls` of the URL the next dial starts with. */
  private nextUrl = 0;
  /** The URL of the live connection. */
  private url: string | undefined;
  /** Hides the passwords of the URLs in a driver's error. */
  private readonly redact: (text: string) => string;
  private lostSince: number | undefined;
  private closed = false;
  /** Why RabbitMQ blocks the live connection (memory or disk alarm), while it does. */
  private blockedBy: string | undefined;

  constructor(private readonly settings: ConnectionSettings) {
    this.redact = errorRedactor(settings.urls);
  }

  /** Why RabbitMQ blocks publishes on the live connection, or undefined. */
  get blocked(): string | undefined {
    return this.blockedBy;
  }

  /** The live connection, or a new one. */
  connect(): Promise<ChannelModel> {
    if (this.closed) return Promise.reject(new ConnectionError(`the RabbitMQ ${this.settings.role} connection is closed`));
    if (this.connection) return Promise.resolve(this.connection);
    this.connecting ??= this.dial().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  async openChannel(): Promise<Channel> {
    return this.wrap(await this.connect(), (connection) => connection.createChannel());
  }

  async openConfirmChannel(): Promise<ConfirmChannel> {
    return this.wrap(await this.connect(), (connection) => connection.createConfirmChannel());
  }

  /** Closes the connection for good (unacked messages go back to their queues). */
  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await closeQuietly(connection);
  }

  /** Drops the socket without a goodbye, as a killed process does. */
  destroy(): void {
    this.closed = true;
    if (this.connection) destroySocket(this.connection, "connection dropped without a goodbye");
  }

  /**
   * Gives up on `connection` if it is still the live one and stopped answering (a
   * black-holed link can take minutes to fail by itself): logged once, the socket
   * is destroyed, and the next caller dials again.
   */
  drop(connection: ChannelModel, reason: string): void {
    if (this.connection !== connection || this.closed) return;
    this.connection = undefined;
    this.blockedBy = undefined;
    this.lostSince = Date.now();
    this.moveOnFrom(this.url);
    const { logger, role } = this.settings;
    logger.warn(`RabbitMQ ${role} connection to ${redactUrl(this.url ?? "")} dropped: ${this.redact(reason)}; reconnecting`);
    destroySocket(connection, reason);
  }

  private async wrap<T extends Channel>(connection: ChannelModel, open: (c: ChannelModel) => Promise<T>): Promise<T> {
    try {
      const channel = await open(connection);
      // amqplib throws on an 'error' event nobody listens to; the owner learns of it through 'close'.
      channel.on("error", () => {});
      return channel;
    } catch (error) {
      throw new ConnectionError(`could not open a RabbitMQ channel: ${this.redact(messageOf(error))}`, { cause: error });
    }
  }

  private async dial(): Promise<ChannelModel> {
    const { urls, connectTimeout, logger, role } = this.settings;
    const deadline = Date.now() + connectTimeout;
    // Each URL gets its share of the time, so a node that swallows packets leaves time for the next ones.
    const attemptTimeout = Math.ceil(connectTimeout / urls.length);
    /** Why each URL failed in this dial (the latest try), by its redacted form. */
    const failures = new Map<string, string>();
    let lastError: unknown;
    let backoff = 50;
    for (;;) {
      // A round: every URL once, without waiting between them, since the next node may well be up.
      for (let tried = 0; tried < urls.length && !this.closed; tried++) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        const url = urls[this.nextUrl % urls.length];
        try {
          const connection = await this.open(url, Math.min(remaining, attemptTimeout));
          this.adopt(connection, url, failures);
          return connection;
        } catch (error) {
          if (ConnectionError.isInstance(error)) throw error;
          lastError = error;
          failures.set(redactUrl(url), this.redact(messageOf(error)));
          this.moveOnFrom(url);
        }
      }
      const wait = Math.min(backoff, deadline - Date.now());
      if (wait <= 0 || this.closed) break;
      await sleep(wait);
      backoff = Math.min(backoff * 2, 1000);
    }
    const what =
      urls.length === 1
        ? `at ${redactUrl(urls[0])} within ${connectTimeout} ms: ${failures.get(redactUrl(urls[0])) ?? "not tried"}`
        : `within ${connectTimeout} ms at any of its ${urls.length} URLs: ${describeFailures(urls, failures)}`;
    logger.debug(`RabbitMQ ${role} connection failed ${what}`);
    throw new ConnectionError(`could not connect to RabbitMQ ${what}`, { cause: lastError });
  }

  /** One attempt on `url`, for at most `timeout` ms. */
  private async open(url: string, timeout: number): Promise<ChannelModel> {
    const { heartbeat, socketOptions, role, name } = this.settings;
    const connection = await amqp.connect(withHeartbeat(url, heartbeat), {
      ...socketOptions,
      // Nagle's algorithm would hold small frames (acks, single publishes) back by up to 40 ms.
      noDelay: true,
      timeout: Math.max(timeout, 1),
      clientProperties: { connection_name: name },
    });
    if (this.closed) {
      await closeQuietly(connection);
      throw new ConnectionError(`the RabbitMQ ${role} connection is closed`);
    }
    return connection;
  }

  /** The next dial starts with the URL after `url`: the failed or lost node is tried last. */
  private moveOnFrom(url: string | undefined): void {
    const index = url === undefined ? -1 : this.settings.urls.indexOf(url);
    if (index >= 0) this.nextUrl = index + 1;
  }

  private adopt(connection: ChannelModel, url: string, failures: ReadonlyMap<string, string>): void {
    const { logger, role } = this.settings;
    this.connection = connection;
    this.url = url;
    this.blockedBy = undefined;
    // The URLs given up on for this one; a URL that failed before it came back is no failover.
    const skipped = [...failures].filter(([where]) => where !== redactUrl(url));
    const failedOver = skipped.length > 0 ? `, failing over from ${skipped.map(([where, why]) => `${where} (${why})`).join("; ")}` : "";
    if (this.lostSince !== undefined) {
      logger.info(`RabbitMQ ${role} connection re-established to ${redactUrl(url)} after ${Date.now() - this.lostSince} ms${failedOver}`);
      this.lostSince = undefined;
    } else if (failedOver) {
      logger.info(`RabbitMQ ${role} connection established to ${redactUrl(url)}${failedOver}`);
    }
    let reason: unknown;
    connection.on("error", (error) => {
      reason = error;
    });
    connection.on("blocked", (why) => {
      if (this.connection === connection) this.blockedBy = String(why);
      logger.warn(`RabbitMQ blocked the ${role} connection (${why}): publishes wait until it unblocks or publishTimeout passes`);
    });
    connection.on("unblocked", () => {
      if (this.connection === connection) this.blockedBy = undefined;
      logger.info(`RabbitMQ unblocked the ${role} connection`);
    });
    connection.on("close", (error) => {
      if (this.connection !== connection) return;
      this.connection = undefined;
      this.blockedBy = undefined;
      if (this.closed) return;
      this.lostSince = Date.now();
      this.moveOnFrom(url);
      logger.warn(
        `RabbitMQ ${role} connection to ${redactUrl(url)} lost (${this.redact(String(error ?? reason ?? "closed"))}); reconnecting`,
      );
    });
  }
}

/** `error`'s message, or `error` itself as text. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `url (why); url (why)` for every URL, in order, `not tried` for one the time did not reach. */
function describeFailures(urls: readonly string[], failures: ReadonlyMap<string, string>): string {
  return urls.map((url) => `${redactUrl(url)} (${failures.get(redactUrl(url)) ?? "not tried"})`).join("; ");
}

/** amqplib notices a dead socket by its 'error' or 'end' event only, so it is destroyed with an error. */
function destroySocket(connection: ChannelModel, reason: string): void {
  const socket = (connection.connection as unknown as { stream?: { destroy(error?: Error): void } }).stream;
  socket?.destroy(new Error(reason));
}

/**
 * Waits for a close at most `timeout` ms: amqplib's close waits for RabbitMQ's
 * reply, which never comes when the socket is already gone.
 */
export async function closeQuietly(closable: { close(): Promise<void> }, timeout = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeout);
  });
  try {
    await Promise.race([closable.close().catch(() => {}), expired]);
  } catch {
    // amqplib throws synchronously on a channel that is already closed.
  } finally {
    clearTimeout(timer);
  }
}
