import { ConnectionError, type Logger, redactUrl } from "@troupe/core";
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from "amqplib";

export interface ConnectionSettings {
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
 * timer: the next caller of `connect()` dials again, trying each URL in turn with
 * backoff, and gets a `ConnectionError` once `connectTimeout` has passed. The loss
 * and the recovery are logged once each.
 */
export class ConnectionManager {
  private connection: ChannelModel | undefined;
  private connecting: Promise<ChannelModel> | undefined;
  private nextUrl = 0;
  /** The URL of the live connection. */
  private url: string | undefined;
  private lostSince: number | undefined;
  private closed = false;
  /** Why RabbitMQ blocks the live connection (memory or disk alarm), while it does. */
  private blockedBy: string | undefined;

  constructor(private readonly settings: ConnectionSettings) {}

  get isClosed(): boolean {
    return this.closed;
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
    const { logger, role } = this.settings;
    logger.warn(`RabbitMQ ${role} connection to ${redactUrl(this.url ?? "")} dropped: ${reason}; reconnecting`);
    destroySocket(connection, reason);
  }

  private async wrap<T extends Channel>(connection: ChannelModel, open: (c: ChannelModel) => Promise<T>): Promise<T> {
    try {
      const channel = await open(connection);
      // amqplib throws on an 'error' event nobody listens to; the owner learns of it through 'close'.
      channel.on("error", () => {});
      return channel;
    } catch (error) {
      throw new ConnectionError(`could not open a RabbitMQ channel: ${(error as Error).message}`, { cause: error });
    }
  }

  private async dial(): Promise<ChannelModel> {
    const { urls, connectTimeout, heartbeat, socketOptions, logger, role, name } = this.settings;
    const deadline = Date.now() + connectTimeout;
    let backoff = 50;
    let lastError: unknown;
    for (;;) {
      const url = urls[this.nextUrl % urls.length];
      const remaining = deadline - Date.now();
      try {
        const connection = await amqp.connect(withHeartbeat(url, heartbeat), {
          ...socketOptions,
          // Nagle's algorithm would hold small frames (acks, single publishes) back by up to 40 ms.
          noDelay: true,
          timeout: Math.max(remaining, 1),
          clientProperties: { connection_name: name },
        });
        if (this.closed) {
          await closeQuietly(connection);
          throw new ConnectionError(`the RabbitMQ ${role} connection is closed`);
        }
        this.adopt(connection, url);
        return connection;
      } catch (error) {
        if (ConnectionError.isInstance(error)) throw error;
        lastError = error;
        this.nextUrl++;
      }
      const wait = Math.min(backoff, deadline - Date.now());
      if (wait <= 0 || this.closed) break;
      await sleep(wait);
      backoff = Math.min(backoff * 2, 1000);
    }
    const where = urls.map(redactUrl).join(", ");
    logger.debug(`RabbitMQ ${role} connection to ${where} failed: ${(lastError as Error)?.message ?? lastError}`);
    throw new ConnectionError(
      `could not connect to RabbitMQ at ${where} within ${connectTimeout} ms: ${(lastError as Error)?.message ?? lastError}`,
      {
        cause: lastError,
      },
    );
  }

  private adopt(connection: ChannelModel, url: string): void {
    const { logger, role } = this.settings;
    this.connection = connection;
    this.url = url;
    this.blockedBy = undefined;
    if (this.lostSince !== undefined) {
      logger.info(`RabbitMQ ${role} connection re-established to ${redactUrl(url)} after ${Date.now() - this.lostSince} ms`);
      this.lostSince = undefined;
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
      logger.warn(`RabbitMQ ${role} connection to ${redactUrl(url)} lost (${(error ?? reason ?? "closed") as string}); reconnecting`);
    });
  }
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
