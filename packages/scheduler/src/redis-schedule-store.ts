import { assertKnownOptions, optionKeys, REDIS_CONNECTION_OPTION_KEYS, RedisConnection, type RedisConnectionOptions } from "@troupe/core";
import { type Cluster, Redis, type RedisOptions } from "ioredis";
import completeLua from "./complete.lua";
import finishLua from "./finish.lua";
import type { ScheduleRecord, ScheduleStore, StepRequest, StepResult } from "./schedule-store.js";
import stepLua from "./step.lua";

type RedisClient = Redis | Cluster;

/**
 * Options of `new RedisScheduleStore(options)`: how to reach Redis (`url` or `client`,
 * `redisOptions`, `connectTimeout`, as every Troupe package on Redis), and the key prefix.
 */
export interface RedisScheduleStoreOptions extends RedisConnectionOptions<RedisClient, RedisOptions> {
  /** Prefix of every key: `<namespace>:<schedule name>` (default `"troupe-schedules"`). */
  namespace?: string;
}

const REDIS_SCHEDULE_STORE_OPTIONS = optionKeys<RedisScheduleStoreOptions>({ ...REDIS_CONNECTION_OPTION_KEYS, namespace: true });

/** Command names are prefixed so they cannot clash with commands a shared client already defines. */
const SCRIPTS = { troupeScheduleStep: stepLua, troupeScheduleComplete: completeLua, troupeScheduleFinish: finishLua } as const;
const DOING = {
  troupeScheduleStep: "looking at",
  troupeScheduleComplete: "completing a tick of",
  troupeScheduleFinish: "recording a finished message of",
};
type ScriptCaller = (key: string, ...args: (string | number)[]) => Promise<unknown>;
const defined = new WeakSet<object>();

/**
 * Schedule state in Redis, shared by any number of scheduler processes: one hash per
 * schedule, `<namespace>:<name>`, changed only by Lua scripts (loaded once per client), so
 * the claim of each tick is atomic. Its fields: `cursor` (ticks up to it are handled),
 * `seen` (the last look), `claim_tick`/`claim_owner`/`claim_until`/`claim_id` (a claim
 * and its lease, on Redis's clock), `last_tick`/`last_id` (the newest enqueued tick),
 * `current`/`finished` (for `overlap: "skip"`).
 */
export class RedisScheduleStore implements ScheduleStore {
  /** The ioredis client. */
  readonly client: RedisClient;
  /** Prefix of every key. */
  readonly namespace: string;
  /** How long an operation waits for an unreachable Redis, ms. */
  readonly connectTimeout: number;
  private readonly connection: RedisConnection<RedisClient, RedisOptions>;

  constructor(options: RedisScheduleStoreOptions = {}) {
    assertKnownOptions("RedisScheduleStore", options, REDIS_SCHEDULE_STORE_OPTIONS);
    this.connection = new RedisConnection<RedisClient, RedisOptions>(Redis, options);
    this.client = this.connection.client;
    this.connectTimeout = this.connection.connectTimeout;
    this.namespace = options.namespace ?? "troupe-schedules";
    if (!defined.has(this.client)) {
      for (const [name, lua] of Object.entries(SCRIPTS)) this.client.defineCommand(name, { numberOfKeys: 1, lua });
      defined.add(this.client);
    }
  }

  /** The hash of one schedule. */
  key(name: string): string {
    return `${this.namespace}:${name}`;
  }

  async step(name: string, request: StepRequest): Promise<StepResult> {
    const reply = (await this.script("troupeScheduleStep", name, [
      request.owner,
      Math.floor(request.now),
      Math.ceil(request.lease),
      Math.floor(request.downAfter),
      Math.floor(request.catchUp),
      request.skipWhileRunning ? "1" : "0",
      request.tick === undefined ? "" : request.tick,
      request.messageId ?? "",
    ])) as string[];
    const [outcome, cursor] = [reply[0], Number(reply[1])];
    if (outcome === "claimed") return { outcome, cursor, tick: Number(reply[2]), messageId: reply[3] };
    if (outcome === "busy") return { outcome, cursor, retryIn: Number(reply[2]) };
    if (outcome === "skipped") return { outcome, cursor, running: reply[2] };
    return { outcome: "idle", cursor };
  }

  async complete(name: string, tick: number, messageId: string): Promise<void> {
    await this.script("troupeScheduleComplete", name, [tick, messageId]);
  }

  async finish(name: string, messageId: string): Promise<void> {
    await this.script("troupeScheduleFinish", name, [messageId]);
  }

  async read(name: string): Promise<ScheduleRecord | undefined> {
    const fields = await this.connection.bounded("reading a schedule", () => this.client.hgetall(this.key(name)));
    if (fields.cursor === undefined) return undefined;
    const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
    return {
      cursor: Number(fields.cursor),
      lastTick: number(fields.last_tick),
      lastMessageId: fields.last_id,
      current: fields.current,
      finished: fields.finished,
      claim:
        fields.claim_tick === undefined
          ? undefined
          : { tick: Number(fields.claim_tick), owner: fields.claim_owner, messageId: fields.claim_id },
    };
  }

  /** Closes the client when the store created it. */
  async close(): Promise<void> {
    await this.connection.close();
  }

  private script(name: keyof typeof SCRIPTS, schedule: string, args: (string | number)[]): Promise<unknown> {
    const call = (this.client as unknown as Record<string, ScriptCaller>)[name];
    return this.connection.bounded(`${DOING[name]} schedule "${schedule}"`, () => call.call(this.client, this.key(schedule), ...args));
  }
}
