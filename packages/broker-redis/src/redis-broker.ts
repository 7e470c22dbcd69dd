import {
  Broker,
  type BrokerCapabilities,
  type BrokerOptions,
  ConnectionError,
  type ConsumeOptions,
  canonicalQueueName,
  type DeadLetter,
  delayQueueName,
  type JoinOptions,
  type Message,
  QueueJoinTimeout,
  type QueueStats,
  uuid4,
} from "@troupe/core";
import { listDeadLetters, requeueDeadLetters } from "./dead-letters.js";
import { RedisConnection, type RedisConnectionOptions } from "./redis-connection.js";
import { RedisConsumer } from "./redis-consumer.js";
import { defineScripts, MAX_IDS_PER_CALL, runScript, type ScriptArg, type ScriptName } from "./redis-scripts.js";
import { WakeSignal } from "./wake-signal.js";

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

const JOIN_POLL = 25;

/**
 * A broker on Redis with Dramatiq's key layout (docs/protocol.md §4), so Python Dramatiq
 * and Troupe workers can share queues. Every operation is one Lua script call.
 */
export class RedisBroker extends Broker {
  readonly capabilities: BrokerCapabilities = { priorities: false, crashRecovery: "heartbeat", queueStats: true };
  /** This broker's id in the heartbeat ZSET and in its ack set names. */
  readonly workerId = uuid4();
  readonly namespace: string;
  readonly heartbeatTimeout: number;
  readonly deadMessageTtl: number;
  readonly maintenanceInterval: number;
  /** @internal */
  readonly connection: RedisConnection;
  /** @internal */
  readonly signal: WakeSignal;
  private readonly consumers = new Set<RedisConsumer>();
  private readonly consumed = new Set<string>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: RedisBrokerOptions = {}) {
    super(options);
    this.namespace = options.namespace ?? "dramatiq";
    this.heartbeatTimeout = options.heartbeatTimeout ?? 60_000;
    this.deadMessageTtl = options.deadMessageTtl ?? 7 * 24 * 3600 * 1000;
    this.maintenanceInterval = options.maintenanceInterval ?? this.heartbeatTimeout / 4;
    this.connection = new RedisConnection(options, this.logger);
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
    return runScript(this.connection.client, name, args);
  }

  protected async publish(messages: readonly Message<readonly unknown[], unknown>[]): Promise<void> {
    const byQueue = new Map<string, ScriptArg[]>();
    for (const message of messages) {
      const id = uuid4();
      setRedisMessageId(message.options, id);
      const data = this.encodeMessage(message);
      let pairs = byQueue.get(message.queueName);
      if (!pairs) byQueue.set(message.queueName, (pairs = []));
      pairs.push(id, data);
    }
    await this.connection.bounded("enqueue", () => {
      // Issued together, the calls share one round trip.
      const calls: Promise<unknown>[] = [];
      for (const [queueName, pairs] of byQueue) {
        for (let i = 0; i < pairs.length; i += 2 * MAX_IDS_PER_CALL) {
          const chunk = i === 0 && pairs.length <= 2 * MAX_IDS_PER_CALL ? pairs : pairs.slice(i, i + 2 * MAX_IDS_PER_CALL);
          calls.push(runScript(this.connection.client, "troupeEnqueue", [this.namespace, this.workerId, Date.now(), queueName, ...chunk]));
        }
      }
      return Promise.all(calls);
    });
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
    await this.connection.close();
  }

  /** Ends the broker as a killed process would: no acks, no requeues, no more heartbeats. For tests. */
  simulateCrash(): void {
    this.closed = true;
    this.stopTimers();
    for (const consumer of this.consumers) consumer.abandon();
    this.consumers.clear();
    this.signal.kill();
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
}

/**
 * Names this physical copy, as Dramatiq does on every enqueue. An existing key
 * keeps its place; a new one goes before `eta`, where Dramatiq writes it.
 */
function setRedisMessageId(options: Record<string, unknown>, id: string): void {
  if (!("eta" in options) || "redis_message_id" in options) {
    options.redis_message_id = id;
    return;
  }
  const eta = options.eta;
  delete options.eta;
  options.redis_message_id = id;
  options.eta = eta;
}
