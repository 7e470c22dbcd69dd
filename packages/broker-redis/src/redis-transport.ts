import {
  assertKnownOptions,
  ConnectionError,
  canonicalQueueName,
  consoleLogger,
  delayQueueName,
  type Logger,
  type OutgoingMessage,
  optionKeys,
  type QueueCounts,
  REDIS_CONNECTION_OPTION_KEYS,
  type ReaderOptions,
  type StoredDeadLetter,
  type Transport,
  type TransportCapabilities,
  type TransportReader,
  uuid4,
} from "@troupe/core";
import { DirectConnection } from "./direct-connection.js";
import { publishCalls } from "./publish-calls.js";
import { type RedisClient, RedisConnection, type RedisConnectionOptions } from "./redis-connection.js";
import { type ReaderHost, RedisReader } from "./redis-reader.js";
import { defineScripts, runScript, type ScriptArg, type ScriptName } from "./redis-scripts.js";
import { Sender } from "./sender.js";
import { WakeSignal } from "./wake-signal.js";
import { listWorkers, type RedisWorkerInfo } from "./worker-heartbeats.js";

/** Options of `new RedisTransport(options)`. */
export interface RedisTransportOptions extends RedisConnectionOptions {
  /** Prefix of every key (default `"dramatiq"`, as Dramatiq's). */
  namespace?: string;
  /** A worker whose heartbeat is older than this is dead and its messages are requeued, ms (default 60 000). */
  heartbeatTimeout?: number;
  /** Dead letters older than this are deleted by maintenance, ms (default 7 days). */
  deadMessageTtl?: number;
  /** How often a reading transport looks for dead workers and expired dead letters, ms (default heartbeatTimeout / 4). */
  maintenanceInterval?: number;
  /** Where outages, recoveries and maintenance are logged (default `consoleLogger()`). */
  logger?: Logger;
}

/** The option names of `RedisTransportOptions`. */
export const REDIS_TRANSPORT_OPTION_KEYS = optionKeys<RedisTransportOptions>({
  ...REDIS_CONNECTION_OPTION_KEYS,
  namespace: true,
  heartbeatTimeout: true,
  deadMessageTtl: true,
  maintenanceInterval: true,
  logger: true,
});

/**
 * The transport of `RedisBroker`: Dramatiq's key layout (docs/protocol.md §4), every
 * operation one Lua script. A published message is stored under its `messageId`, which
 * must name the copy (Dramatiq's `redis_message_id`, also in the payload's options, as
 * `RedisBroker` sets it): a copy sent again is stored once. Sends carry a deadline in
 * Redis's own clock; each reader has a connection of its own; a heartbeat and maintenance
 * (dead workers' messages back to their queues, expired dead letters dropped) run once a
 * reader is open.
 */
export class RedisTransport implements Transport<string> {
  readonly specificationVersion = "v1";
  readonly system = "redis";
  readonly capabilities: TransportCapabilities = {
    priorities: false,
    crashRecovery: "heartbeat",
    wakeUps: true,
    // Without BLMOVE (Redis < 6.2) a Python producer's messages come with no wake-up.
    pollWithWakeUps: true,
    queueStats: true,
    deadLetters: true,
    atomicMove: true,
  };
  /** This transport's id in the heartbeat ZSET and in its ack set names. */
  readonly workerId = uuid4();
  /** Prefix of every key. */
  readonly namespace: string;
  /** Where it connects, as logs and operator pages name it (`Redis at redis://:***@host:port/db`), passwords hidden. */
  readonly address: string;
  /** Ms of heartbeat silence after which a worker counts as dead. */
  readonly heartbeatTimeout: number;
  /** Ms after which maintenance deletes a dead letter. */
  readonly deadMessageTtl: number;
  /** Ms between maintenance runs of a reading transport. */
  readonly maintenanceInterval: number;
  private readonly logger: Logger;
  private readonly connection: RedisConnection;
  private readonly sender: Sender;
  private readonly signal: WakeSignal;
  private readonly readers = new Map<string, Set<RedisReader>>();
  /** Canonical queues read here: maintenance looks after them. */
  private readonly consumed = new Set<string>();
  private readonly host: ReaderHost;
  /** Whether readers block on their queue (see `ReaderHost.canBlock`). */
  private blocking = true;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: RedisTransportOptions = {}) {
    assertKnownOptions("RedisTransport", options, REDIS_TRANSPORT_OPTION_KEYS);
    this.namespace = options.namespace ?? "dramatiq";
    this.heartbeatTimeout = options.heartbeatTimeout ?? 60_000;
    this.deadMessageTtl = options.deadMessageTtl ?? 7 * 24 * 3600 * 1000;
    this.maintenanceInterval = options.maintenanceInterval ?? this.heartbeatTimeout / 4;
    this.logger = options.logger ?? consoleLogger();
    this.connection = new RedisConnection(options, this.logger);
    this.address = this.connection.name;
    this.sender = new Sender(this.connection, this.logger);
    defineScripts(this.connection.client);
    this.signal = new WakeSignal(this.connection.client, this.namespace, this.logger, this.connection.connectTimeout);
    this.host = {
      connection: this.connection,
      logger: this.logger,
      script: (name, head, ids, patient) => this.script(name, head, ids, patient),
      head: (now = Date.now()) => [this.namespace, this.workerId, now],
      key: (name) => this.key(name),
      canBlock: () => this.blocking,
      refuseBlockingReads: () => this.refuseBlockingReads(),
      readersOf: (queueName) => this.readers.get(queueName) ?? [],
      forget: (reader) => this.forget(reader),
    };
  }

  /** The shared ioredis client (the one given as `client`, or made from `url`). */
  get client(): RedisClient {
    return this.connection.client;
  }

  /** A key of this namespace: `key("q")` → `"dramatiq:q"`. */
  key(name: string): string {
    return `${this.namespace}:${name}`;
  }

  async publish(messages: readonly OutgoingMessage<string>[]): Promise<void> {
    const what = messages.some((message) => message.replaces !== undefined) ? "moving delayed messages" : "enqueue";
    await this.sender.send(what, publishCalls(this.namespace, this.workerId, messages));
  }

  /** Opens a reader on a connection of its own, and starts the heartbeat and maintenance. */
  async openReader(queueName: string, options: ReaderOptions): Promise<TransportReader<string>> {
    if (this.closed) throw new ConnectionError("this Redis transport is closed");
    const reader = new RedisReader(
      this.host,
      queueName,
      options.prefetch,
      new DirectConnection(this.connection, `reader of ${queueName}`),
      this.workerId,
    );
    let peers = this.readers.get(queueName);
    if (!peers) this.readers.set(queueName, (peers = new Set()));
    peers.add(reader);
    // Pub/sub only where reads cannot block: a wake-up nobody subscribed to costs Redis no write.
    if (!this.blocking) await this.signal.add(queueName, reader.wake);
    const canonical = canonicalQueueName(queueName);
    if (!this.consumed.has(canonical)) {
      this.consumed.add(canonical);
      void this.maintain();
    }
    this.startTimers();
    return reader;
  }

  private refuseBlockingReads(): void {
    if (!this.blocking) return;
    this.blocking = false;
    for (const peers of this.readers.values()) for (const reader of peers) void this.signal.add(reader.queueName, reader.wake);
  }

  private forget(reader: RedisReader): void {
    this.signal.remove(reader.queueName, reader.wake);
    this.readers.get(reader.queueName)?.delete(reader);
  }

  /**
   * Runs a script with the common head (namespace, worker id, now) on the shared connection,
   * which drops itself when one goes unanswered for `connectTimeout`; bounded by as much,
   * unless `patient` (see `ReaderHost.script`).
   */
  private script(name: ScriptName, head: readonly ScriptArg[], ids: readonly ScriptArg[] = [], patient = false): Promise<unknown> {
    const args: ScriptArg[] = [this.namespace, this.workerId, Date.now(), ...head];
    for (const id of ids) args.push(id);
    const run = () => this.connection.watch(runScript(this.connection.client, name, args));
    return patient ? run() : this.connection.bounded(`the ${name.slice(6).toLowerCase()} script`, run);
  }

  private startTimers(): void {
    if (this.heartbeatTimer) return;
    // Scripts beat too, but a worker whose slots are all busy on long actors runs none for a while.
    this.heartbeatTimer = setInterval(() => {
      this.connection.client.zadd(this.key("__heartbeats__"), Date.now(), this.workerId).catch(() => {});
    }, this.heartbeatTimeout / 4);
    this.maintenanceTimer = setInterval(() => void this.maintain(), this.maintenanceInterval);
    this.heartbeatTimer.unref();
    this.maintenanceTimer.unref();
  }

  private stopTimers(): void {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.maintenanceTimer);
    this.heartbeatTimer = this.maintenanceTimer = undefined;
  }

  /** Requeues the messages of dead workers and deletes expired dead letters, for the queues read here. */
  private async maintain(): Promise<void> {
    try {
      const [requeued] = (await this.script("troupeMaintenance", [
        this.heartbeatTimeout,
        this.deadMessageTtl,
        ...this.consumed,
      ])) as number[];
      if (requeued > 0) this.logger.info(`requeued ${requeued} message(s) of dead workers`);
    } catch (error) {
      this.logger.debug(`maintenance failed: ${(error as Error)?.message ?? error}`);
    }
  }

  async purge(queueName: string): Promise<void> {
    await Promise.all([
      this.script("troupePurge", [queueName, queueName]),
      this.script("troupePurge", [delayQueueName(queueName), queueName]),
    ]);
  }

  async stats(queueName: string): Promise<QueueCounts> {
    const [ready, waiting, held, inFlight, deadLetters] = (await this.script("troupeStats", [queueName])) as number[];
    return { ready, delayed: waiting + held, inFlight, deadLetters };
  }

  /** The oldest dead letters (`q.XQ`, scored by when they died, and `q.XQ.msgs`), with their reasons (`q.XQ.reasons`). */
  async listDeadLetters(queueName: string, limit: number): Promise<readonly StoredDeadLetter[]> {
    if (limit <= 0) return [];
    const { client } = this;
    const xq = this.key(`${queueName}.XQ`);
    return this.connection.bounded("list dead letters", async () => {
      const flat = await client.zrange(xq, 0, Number.isFinite(limit) ? limit - 1 : -1, "WITHSCORES");
      const ids = flat.filter((_, i) => i % 2 === 0);
      if (ids.length === 0) return [];
      const [payloads, reasons] = await Promise.all([client.hmget(`${xq}.msgs`, ...ids), client.hmget(`${xq}.reasons`, ...ids)]);
      return ids.map((id, i) => ({ id, data: payloads[i] ?? "", reason: reasons[i] ?? undefined, deadAt: Number(flat[2 * i + 1]) }));
    });
  }

  /** One call however many: delete-dead.lua loops over its arguments (no `unpack`, which Lua bounds). */
  async deleteDeadLetters(queueName: string, ids: readonly string[]): Promise<number> {
    return (await this.script("troupeDeleteDead", [queueName], ids)) as number;
  }

  async purgeDeadLetters(queueName: string): Promise<number> {
    return (await this.script("troupePurgeDead", [queueName])) as number;
  }

  /** Adds a canonical queue to the namespace's `__paused__` set, which Troupe workers read once per idle tick. */
  async pauseQueue(queueName: string): Promise<void> {
    await this.connection.bounded("pause queue", () => this.client.sadd(this.key("__paused__"), queueName));
  }

  /** Removes a canonical queue from the `__paused__` set. */
  async resumeQueue(queueName: string): Promise<void> {
    await this.connection.bounded("resume queue", () => this.client.srem(this.key("__paused__"), queueName));
  }

  /** The canonical queues in the `__paused__` set. */
  pausedQueues(): Promise<string[]> {
    return this.connection.bounded("read paused queues", () => this.client.smembers(this.key("__paused__")));
  }

  /** Every process in the heartbeat set, with the messages each holds of the canonical `queueNames`. Read-only. */
  listWorkers(queueNames: readonly string[]): Promise<RedisWorkerInfo[]> {
    return listWorkers(this.connection, this.namespace, this.heartbeatTimeout, queueNames);
  }

  /** Closes the readers (each returns what it holds), then the connections; a given `client` stays open. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopTimers();
    await Promise.all([...this.readers.values()].flatMap((peers) => [...peers].map((reader) => reader.close().catch(() => {}))));
    await this.signal.close();
    await this.sender.close();
    await this.connection.close();
  }

  /** Ends the transport as a killed process would: no acks, no requeues, no more heartbeats. For tests. */
  simulateCrash(): void {
    this.closed = true;
    this.stopTimers();
    for (const peers of this.readers.values()) for (const reader of [...peers]) reader.abandon();
    this.signal.kill();
    this.sender.kill();
    this.connection.kill();
  }
}
