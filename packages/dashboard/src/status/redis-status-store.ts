import { assertKnownOptions, optionKeys, REDIS_CONNECTION_OPTION_KEYS, RedisConnection, type RedisConnectionOptions } from "@troupe/core";
import { type Cluster, Redis, type RedisOptions } from "ioredis";
import { type ActorStatsSample, parseStatsFields, STATS_BUCKET_MS, STATS_RETENTION, statsIncrements } from "./actor-stats.js";
import { stateRank } from "./message-state.js";
import { parseStoredRecord, staticPart, storedTransition } from "./redis-status-record.js";
import { defineStatusScripts, runStatusScript, type StatusScript } from "./redis-status-scripts.js";
import { badCursor, type NormalizedQuery } from "./status-query.js";
import { type StatusEvent, type StatusPage, type StatusRecord, StatusStore, type StatusTransition } from "./status-store.js";

/** An ioredis client or cluster. */
export type RedisStatusClient = Redis | Cluster;

/**
 * Options of `new RedisStatusStore(options)`: how to reach Redis (`url` or `client`,
 * `redisOptions`, `connectTimeout`, as every Troupe package on Redis), and the key prefix.
 */
export interface RedisStatusStoreOptions extends RedisConnectionOptions<RedisStatusClient, RedisOptions> {
  /** Prefix of every key, followed by `:` (default `"troupe-status"`). */
  namespace?: string;
}

const OPTIONS = optionKeys<RedisStatusStoreOptions>({ ...REDIS_CONNECTION_OPTION_KEYS, namespace: true });

/** Most messages one write script carries (about a millisecond of Redis time), so a batch never holds Redis up for long. */
const MAX_MESSAGES_PER_CALL = 100;
/** Index entries one search step may walk (a few ms of Redis time). */
const SEARCH_BUDGET = 10_000;
/** How long `search` keeps walking a sparse filter before it returns a short page with a cursor, ms. */
const SEARCH_DEADLINE = 800;

/**
 * Status records in Redis: one string per message (`<namespace>:m:<id>`: a header that
 * starts with the state, then JSON parts), expiring `ttl` after its latest write, and one
 * time-ordered index stream (`<namespace>:x`: id, actor, queue) whose entry ids are the
 * records' `createdAt`, trimmed to the TTL on every write. A batch of events is one script
 * call per 100 messages, `get` one GET, a search one script call per 10 000 entries walked.
 */
export class RedisStatusStore extends StatusStore {
  /** The ioredis client. */
  readonly client: RedisStatusClient;
  /** The key prefix, without its `:`. */
  readonly namespace: string;
  private readonly prefix: string;
  private readonly connection: RedisConnection<RedisStatusClient, RedisOptions>;

  constructor(options: RedisStatusStoreOptions = {}) {
    super();
    assertKnownOptions("RedisStatusStore", options, OPTIONS);
    this.connection = new RedisConnection<RedisStatusClient, RedisOptions>(Redis, options);
    this.client = this.connection.client;
    this.namespace = options.namespace ?? "troupe-status";
    this.prefix = `${this.namespace}:`;
    defineStatusScripts(this.client);
  }

  async write(events: readonly StatusEvent[], ttl: number): Promise<void> {
    if (events.length === 0) return;
    const stats: [number, string, number][] = [];
    for (const [at, fields] of statsIncrements(events)) for (const [field, count] of fields) stats.push([at, field, count]);
    const head = [this.prefix, Math.max(1, Math.round(ttl)), Date.now(), STATS_RETENTION + STATS_BUCKET_MS];
    const messages = groupByMessage(events);
    // At most two calls in flight: the next one is encoded while Redis runs this one, and a
    // worker's fetches and acks still get their turn between calls.
    const missing: string[] = [];
    let inFlight: Promise<void> | undefined;
    for (let i = 0; i < messages.length; i += MAX_MESSAGES_PER_CALL) {
      const args = [...head, ...writeArguments(messages.slice(i, i + MAX_MESSAGES_PER_CALL), i === 0 ? stats : [], false)];
      await inFlight;
      inFlight = (this.script("writing status records", "troupeStatusWrite", args) as Promise<string[]>).then(
        (ids) => void missing.push(...ids),
      );
    }
    await inFlight;
    if (missing.length === 0) return;
    const again = new Set(missing);
    const retry = messages.filter((message) => again.has(message.id));
    for (let i = 0; i < retry.length; i += MAX_MESSAGES_PER_CALL) {
      await this.script("writing status records", "troupeStatusWrite", [
        ...head,
        ...writeArguments(retry.slice(i, i + MAX_MESSAGES_PER_CALL), [], true),
      ]);
    }
  }

  async get(messageId: string): Promise<StatusRecord | undefined> {
    const raw = await this.connection.bounded("reading a status record", () => this.client.get(`${this.prefix}m:${messageId}`));
    return raw === null ? undefined : parseStoredRecord(raw);
  }

  protected async find(query: NormalizedQuery): Promise<StatusPage> {
    if (query.cursor !== undefined && !/^\d+-\d+$/.test(query.cursor)) throw badCursor(query.cursor);
    const from = Number.isFinite(query.from) ? String(Math.max(0, Math.ceil(query.from))) : "-";
    const to = Number.isFinite(query.to) ? String(Math.max(0, Math.floor(query.to))) : "+";
    const deadline = Date.now() + SEARCH_DEADLINE;
    const records: StatusRecord[] = [];
    let cursor = query.cursor ?? "";
    for (;;) {
      const reply = (await this.script("searching status records", "troupeStatusSearch", [
        this.prefix,
        from,
        to,
        cursor,
        query.actorName ?? "",
        query.queueName ?? "",
        query.state ?? "",
        query.limit - records.length,
        SEARCH_BUDGET,
      ])) as string[];
      for (let i = 2; i < reply.length; i++) records.push(parseStoredRecord(reply[i]));
      if (Number(reply[0]) === 1) return { records };
      cursor = reply[1];
      if (records.length >= query.limit || Date.now() >= deadline) return { records, next: cursor };
    }
  }

  protected async readStats(from: number, to: number): Promise<ActorStatsSample[]> {
    const pipeline = this.client.pipeline();
    const buckets: number[] = [];
    for (let at = from; at <= to; at += STATS_BUCKET_MS) {
      buckets.push(at);
      pipeline.hgetall(`${this.prefix}st:${at}`);
    }
    const replies = (await this.connection.bounded("reading actor stats", () => pipeline.exec())) ?? [];
    const samples: ActorStatsSample[] = [];
    replies.forEach(([error, fields], i) => {
      if (error) throw error;
      const counters = Object.entries(fields as Record<string, string>).map(([field, count]): [string, number] => [field, Number(count)]);
      samples.push(...parseStatsFields(buckets[i], counters));
    });
    return samples;
  }

  /** Closes the client when the store created it. */
  override async close(): Promise<void> {
    await this.connection.close();
  }

  /** Runs a status script, bounded by `connectTimeout`. */
  private script(what: string, name: StatusScript, args: (string | number)[]): Promise<unknown> {
    return this.connection.bounded(what, () => runStatusScript(this.client, name, args));
  }
}

/** One message's events of a batch, in time order. */
interface MessageEvents {
  id: string;
  events: StatusEvent[];
  /** Whether they arrived in time order (else they are sorted). */
  ordered: boolean;
}

function groupByMessage(events: readonly StatusEvent[]): MessageEvents[] {
  const byId = new Map<string, MessageEvents>();
  for (const event of events) {
    const group = byId.get(event.messageId);
    if (!group) {
      byId.set(event.messageId, { id: event.messageId, events: [event], ordered: true });
      continue;
    }
    const last = group.events[group.events.length - 1].transition;
    if (compareTransitions(event.transition, last) < 0) group.ordered = false;
    group.events.push(event);
  }
  const groups = [...byId.values()];
  for (const group of groups) if (!group.ordered) group.events.sort((a, b) => compareTransitions(a.transition, b.transition));
  return groups;
}

function compareTransitions(a: StatusTransition, b: StatusTransition): number {
  return Math.floor(a.at) - Math.floor(b.at) || stateRank(a.state) - stateRank(b.state);
}

/**
 * The write script's arguments after its head (see write-status.lua): the batch's metadata
 * as JSON, then the static parts and the transition texts, each joined by newlines (JSON
 * text has none), so no JSON is encoded inside JSON. The static part (arguments, options)
 * travels with a `queued` or `delayed` that starts a message's events (a producer creates
 * the record), or `withStatic`: a worker's events leave it out, and are sent again with it
 * for the records the script found missing.
 */
function writeArguments(groups: readonly MessageEvents[], stats: [number, string, number][], withStatic: boolean): string[] {
  const meta: (string | number)[][] = [];
  const statics: string[] = [];
  const texts: string[] = [];
  for (const { id, events } of groups) {
    const first = events[0];
    const last = events[events.length - 1];
    const creates =
      withStatic || ((first.transition.state === "queued" || first.transition.state === "delayed") && first.args !== undefined);
    meta.push([
      id,
      first.actorName,
      first.queueName,
      Math.floor(first.transition.at),
      stateRank(first.transition.state),
      last.transition.state,
      Math.floor(last.transition.at),
      creates ? 1 : 0,
    ]);
    if (creates) {
      const withArgs = events.find((event) => event.args !== undefined) ?? first;
      statics.push(staticPart(withArgs, events.findLast((event) => event.options !== undefined)?.options));
    }
    texts.push(events.map((event, i) => storedTransition(event, !(creates && i === 0))).join(","));
  }
  return [JSON.stringify({ s: stats, m: meta }), statics.join("\n"), texts.join("\n")];
}
