import {
  assertKnownOptions,
  BROKER_OPTION_KEYS,
  Broker,
  type BrokerCapabilities,
  type BrokerOptions,
  ConnectionError,
  type ConsumeOptions,
  canonicalQueueName,
  type DeadLetter,
  delayQueueName,
  type EnqueueOptions,
  type JoinOptions,
  type Message,
  optionKeys,
  QueueJoinTimeout,
  type QueuePauses,
  type QueueStats,
  uuid4,
} from "@troupe/core";
import { CopyNames } from "./copy-names.js";
import { listDeadLetters, requeueDeadLetters } from "./dead-letters.js";
import { RedisConnection, type RedisConnectionOptions } from "./redis-connection.js";
import { RedisConsumer } from "./redis-consumer.js";
import { defineScripts, MAX_IDS_PER_CALL, runScript, type ScriptArg, type ScriptName } from "./redis-scripts.js";
import { type SendCalls, Sender } from "./sender.js";
import { WakeSignal } from "./wake-signal.js";
import { listWorkers, type RedisWorkerInfo } from "./worker-heartbeats.js";

/** Options of `new RedisBroker(options)`. */
export interface RedisBrokerOptions extends BrokerOptions, RedisConnectionOptions {
  /** Prefix of every key (default `"dramatiq"`, as Dramatiq's). */
  namespace?: string;
  /** A worker whose heartbeat is older than this is dead and its messages are requeued, ms (default 60 000). */
  heartbeatTimeout?: number;
  /** Dead letters older than this are deleted by maintenance, ms (default 7 days). */
  deadMessageTtl?: number;
  /** How often a consuming broker looks for dead workers and expired dead letters, ms (default heartbeatTimeout / 4). */
  maintenanceInterval?: number;
}

const REDIS_BROKER_OPTIONS: ReadonlySet<string> = new Set([
  ...BROKER_OPTION_KEYS,
  ...optionKeys<Omit<RedisBrokerOptions, keyof BrokerOptions>>({
    url: true,
    client: true,
    redisOptions: true,
    connectTimeout: true,
    namespace: true,
    heartbeatTimeout: true,
    deadMessageTtl: true,
    maintenanceInterval: true,
  }),
]);

const JOIN_POLL = 25;

/**
 * A broker on Redis with Dramatiq's key layout (docs/protocol.md §4), so Python Dramatiq
 * and Troupe workers can share queues. Every operation is one Lua script call.
 */
export class RedisBroker extends Broker implements QueuePauses {
  readonly capabilities: BrokerCapabilities = { priorities: false, crashRecovery: "heartbeat", queueStats: true };
  /** This broker's id in the heartbeat ZSET and in its ack set names. */
  readonly workerId = uuid4();
  /** Prefix of every key. */
  readonly namespace: string;
  /** Ms of heartbeat silence after which a worker counts as dead. */
  readonly heartbeatTimeout: number;
  /** Ms after which maintenance deletes a dead letter. */
  readonly deadMessageTtl: number;
  /** Ms between maintenance runs of a consuming broker. */
  readonly maintenanceInterval: number;
  /** @internal */
  readonly connection: RedisConnection;
  /** @internal */
  readonly signal: WakeSignal;
  private readonly sender: Sender;
  private readonly names = new CopyNames();
  private readonly consumers = new Set<RedisConsumer>();
  private readonly consumed = new Set<string>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: RedisBrokerOptions = {}) {
    super(options);
    assertKnownOptions("RedisBroker", options, REDIS_BROKER_OPTIONS);
    this.namespace = options.namespace ?? "dramatiq";
    this.heartbeatTimeout = options.heartbeatTimeout ?? 60_000;
    this.deadMessageTtl = options.deadMessageTtl ?? 7 * 24 * 3600 * 1000;
    this.maintenanceInterval = options.maintenanceInterval ?? this.heartbeatTimeout / 4;
    this.connection = new RedisConnection(options, this.logger);
    this.sender = new Sender(this.connection, this.logger);
    defineScripts(this.connection.client);
    this.signal = new WakeSignal(this.connection.client, this.namespace, this.logger, this.connection.connectTimeout);
  }

  /** The underlying ioredis client. */
  get client() {
    return this.connection.client;
  }

  /** A key of this broker's namespace: `key("q")` → `"dramatiq:q"`. */
  key(name: string): string {
    return `${this.namespace}:${name}`;
  }

  /** @internal runs a script with the common head: namespace, worker id, now. */
  script(name: ScriptName, head: readonly ScriptArg[], ids?: readonly ScriptArg[]): Promise<unknown> {
    const args: ScriptArg[] = [this.namespace, this.workerId, Date.now(), ...head];
    if (ids) for (const id of ids) args.push(id);
    return this.connection.watch(runScript(this.connection.client, name, args));
  }

  /** Names each message's copy before core makes delay copies of it, which inherit the name. */
  override enqueueMany<M extends Message<readonly unknown[], unknown>>(messages: readonly M[], options?: EnqueueOptions): Promise<M[]> {
    for (const message of messages) this.names.name(message, this.holdsDelayCopy);
    return super.enqueueMany(messages, options);
  }

  /** True when a consumer of this broker holds `id` on the delay queue of `queueName`: enqueueing its copy there is its move. */
  private readonly holdsDelayCopy = (queueName: string, id: string): boolean => {
    const delayQueue = delayQueueName(canonicalQueueName(queueName));
    for (const consumer of this.consumers) if (consumer.queueName === delayQueue && consumer.holds(id)) return true;
    return false;
  };

  protected async publish(messages: readonly Message<readonly unknown[], unknown>[]): Promise<void> {
    // Per queue: id/payload pairs to enqueue, and id/delay-copy id/payload triples to move.
    const sends = new Map<string, ScriptArg[]>();
    const moves = new Map<string, ScriptArg[]>();
    for (const message of messages) {
      const { id, replaces } = this.names.of(message);
      const data = this.encodeMessage(message);
      const byQueue = replaces === undefined ? sends : moves;
      let args = byQueue.get(message.queueName);
      if (!args) byQueue.set(message.queueName, (args = []));
      if (replaces === undefined) args.push(id, data);
      else args.push(id, replaces, data);
    }
    await this.sender.send(moves.size > 0 ? "moving delayed messages" : "enqueue", this.calls(sends, moves));
  }

  /** The script calls of one publish; issued together, they share one round trip. */
  private calls(sends: Map<string, ScriptArg[]>, moves: Map<string, ScriptArg[]>): SendCalls {
    return (client, deadline) => {
      const calls: Promise<unknown>[] = [];
      const now = Date.now();
      for (const [script, byQueue, width] of [
        ["troupeEnqueue", sends, 2],
        ["troupeMove", moves, 3],
      ] as const) {
        for (const [queueName, args] of byQueue) {
          const size = width * MAX_IDS_PER_CALL;
          for (let i = 0; i < args.length; i += size) {
            const chunk = i === 0 && args.length <= size ? args : args.slice(i, i + size);
            calls.push(runScript(client, script, [this.namespace, this.workerId, now, queueName, deadline, ...chunk]));
          }
        }
      }
      return calls;
    };
  }

  consume(queueName: string, options: ConsumeOptions): RedisConsumer {
    if (this.closed) throw new ConnectionError("this Redis broker is closed");
    const consumer = new RedisConsumer(this, queueName, options);
    this.consumers.add(consumer);
    const canonical = canonicalQueueName(queueName);
    if (!this.consumed.has(canonical)) {
      this.consumed.add(canonical);
      void this.maintain();
    }
    this.startTimers();
    return consumer;
  }

  /** @internal */
  forget(consumer: RedisConsumer): void {
    this.consumers.delete(consumer);
  }

  /** @internal ids of this worker's ack set for a queue. */
  ackSetMembers(queueName: string): Promise<string[]> {
    return this.connection.client.smembers(this.key(`__acks__.${this.workerId}.${queueName}`));
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

  /** Requeues the messages of dead workers and deletes expired dead letters, for the queues consumed here. */
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

  async flush(queueName: string): Promise<void> {
    const canonical = canonicalQueueName(queueName);
    await this.connection.bounded("flush", () =>
      Promise.all([this.script("troupePurge", [canonical, canonical]), this.script("troupePurge", [delayQueueName(canonical), canonical])]),
    );
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.getDeclaredQueues()].map((queueName) => this.flush(queueName)));
  }

  async join(queueName: string, options: JoinOptions = {}): Promise<void> {
    const deadline = options.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeout;
    for (;;) {
      const stats = await this.queueStats(queueName);
      if (stats.ready + stats.delayed + (stats.inFlight ?? 0) === 0) return;
      if (Date.now() >= deadline) throw new QueueJoinTimeout(stats.queueName, options.timeout as number);
      await new Promise((resolve) => setTimeout(resolve, Math.min(JOIN_POLL, Math.max(0, deadline - Date.now()))));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopTimers();
    await Promise.all([...this.consumers].map((consumer) => consumer.close()));
    await this.signal.close();
    await this.sender.close();
    await this.connection.close();
  }

  /** Ends the broker as a killed process would: no acks, no requeues, no more heartbeats. For tests. */
  simulateCrash(): void {
    this.closed = true;
    this.stopTimers();
    for (const consumer of this.consumers) consumer.abandon();
    this.consumers.clear();
    this.signal.kill();
    this.sender.kill();
    this.connection.kill();
  }

  async queueStats(queueName: string): Promise<QueueStats> {
    const canonical = canonicalQueueName(queueName);
    const [ready, waiting, held, inFlight, deadLetters] = (await this.connection.bounded("queue stats", () =>
      this.script("troupeStats", [canonical]),
    )) as number[];
    return { queueName: canonical, ready, delayed: waiting + held, inFlight, deadLetters };
  }

  listDeadLetters(queueName: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    return listDeadLetters(this, canonicalQueueName(queueName), options.limit);
  }

  requeueDeadLetters(queueName: string, options: { limit?: number } = {}): Promise<number> {
    return requeueDeadLetters(this, canonicalQueueName(queueName), options.limit);
  }

  async purgeDeadLetters(queueName: string): Promise<number> {
    return (await this.connection.bounded("purge dead letters", () =>
      this.script("troupePurgeDead", [canonicalQueueName(queueName)]),
    )) as number;
  }

  /**
   * Pauses a queue for every Troupe worker on this namespace, in every process: it is
   * added to the `__paused__` set, which workers read once per idle tick. Python Dramatiq
   * workers do not read it and keep consuming.
   */
  async pauseQueue(queueName: string): Promise<void> {
    await this.connection.bounded("pause queue", () => this.client.sadd(this.key("__paused__"), canonicalQueueName(queueName)));
  }

  /** Resumes a paused queue for every Troupe worker on this namespace. */
  async resumeQueue(queueName: string): Promise<void> {
    await this.connection.bounded("resume queue", () => this.client.srem(this.key("__paused__"), canonicalQueueName(queueName)));
  }

  /** The canonical queues paused on this namespace. */
  pausedQueues(): Promise<string[]> {
    return this.connection.bounded("read paused queues", () => this.client.smembers(this.key("__paused__")));
  }

  /**
   * Every process in the heartbeat set (workers, and producers, which beat on each send),
   * with the messages each holds of `queueNames` (default: the declared queues). Read-only.
   */
  listWorkers(queueNames: readonly string[] = [...this.getDeclaredQueues()]): Promise<RedisWorkerInfo[]> {
    return listWorkers(this, queueNames.map(canonicalQueueName));
  }
}
