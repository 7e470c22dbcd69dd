import { assertKnownOptions, optionKeys, REDIS_CONNECTION_OPTION_KEYS, RedisConnection, type RedisConnectionOptions } from "@troupe/core";
import { type Cluster, Redis, type RedisOptions } from "ioredis";
import { type ActorStatsSample, parseStatsFields, STATS_BUCKET_MS, STATS_RETENTION, statsIncrements } from "./actor-stats.js";
import { parseStoredRecord, staticPart, storedTransition } from "./redis-status-record.js";
import { defineStatusScripts, runStatusScript, type StatusScript } from "./redis-status-scripts.js";
import { badCursor, type NormalizedQuery } from "./status-query.js";
import { type StatusEvent, type StatusPage, type StatusRecord, StatusStore } from "./status-store.js";

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

/** Most messages one write script carries (under a millisecond of Redis time), so a batch never holds Redis up for long. */
const MAX_MESSAGES_PER_CALL = 200;
/** Index entries one search step may walk (a few ms of Redis time). */
const SEARCH_BUDGET = 10_000;
/** How long `search` keeps walking a sparse filter before it returns a short page with a cursor, ms. */
const SEARCH_DEADLINE = 800;

/**
 * Status records in Redis: one string per message (`<namespace>:m:<id>`: a JSON static
 * part, then the transitions, appended to), expiring `ttl` after its latest write, and one
 * time-ordered index stream (`<namespace>:x`: id, actor, queue) whose entry ids are the
 * records' `createdAt`, trimmed to the TTL on every write. A batch of events is one script
 * call per 200 messages, `get` one GET, a search one script call per 10 000 entries walked.
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
    const now = Date.now();
    const head = [this.prefix, Math.max(1, Math.round(ttl)), now, STATS_RETENTION + STATS_BUCKET_MS];
    const groups = groupByMessage(events);
    // At most two calls in flight: the next one is encoded while Redis runs this one, and a
    // worker's fetches and acks still get their turn between calls.
    const missing: string[] = [];
    let inFlight: Promise<void> | undefined;
    for (let g = 0; g < groups.count; g += MAX_MESSAGES_PER_CALL) {
      const args = writeArguments(head, groups, g, now, ttl, g === 0 ? stats : [], false);
      await inFlight;
      inFlight = (this.script("writing status records", "troupeStatusWrite", args) as Promise<string[]>).then(
        (ids) => void missing.push(...ids),
      );
    }
    await inFlight;
    if (missing.length === 0) return;
    const again = groups.only(new Set(missing));
    for (let g = 0; g < again.count; g += MAX_MESSAGES_PER_CALL) {
      await this.script("writing status records", "troupeStatusWrite", writeArguments(head, again, g, now, ttl, [], true));
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

/**
 * The events of a batch by message: each run of consecutive events of one message is a
 * group (the `Status` middleware queues a run's `running` right before its end, so those
 * are one), `starts[g]` to `starts[g + 1]` in `events`. No object per group: this runs for
 * every event. Events of one message that are not consecutive are separate groups, written
 * one after the other: readers order transitions by time.
 */
class EventGroups {
  constructor(
    readonly events: readonly StatusEvent[],
    private readonly starts: readonly number[],
  ) {}

  get count(): number {
    return this.starts.length - 1;
  }

  /** The message id of group `g`. */
  id(g: number): string {
    return this.events[this.starts[g]].messageId;
  }

  /** The events of group `g`, as `[from, to)` in `events`. */
  range(g: number): [number, number] {
    return [this.starts[g], this.starts[g + 1]];
  }

  /** The events of the messages in `ids`, one group per message (so one static part creates each record). */
  only(ids: ReadonlySet<string>): EventGroups {
    const byId = new Map<string, StatusEvent[]>();
    for (let g = 0; g < this.count; g++) {
      const id = this.id(g);
      if (!ids.has(id)) continue;
      let list = byId.get(id);
      if (!list) byId.set(id, (list = []));
      for (let e = this.starts[g]; e < this.starts[g + 1]; e++) list.push(this.events[e]);
    }
    const events: StatusEvent[] = [];
    const starts: number[] = [];
    for (const list of byId.values()) {
      starts.push(events.length);
      events.push(...list);
    }
    starts.push(events.length);
    return new EventGroups(events, starts);
  }
}

function groupByMessage(events: readonly StatusEvent[]): EventGroups {
  const starts: number[] = [0];
  for (let e = 1; e < events.length; e++) if (events[e].messageId !== events[e - 1].messageId) starts.push(e);
  starts.push(events.length);
  return new EventGroups(events, starts);
}

const isWaiting = (event: StatusEvent) => event.transition.state === "queued" || event.transition.state === "delayed";

/**
 * The write script's arguments (see write-status.lua): `head`, then for the groups `from`
 * to `from + MAX_MESSAGES_PER_CALL`: the stats; the groups that create their record (and
 * those whose id holds a newline) as JSON metadata (id, and for a creation its createdAt
 * relative to `now`, actor and queue), their static parts and their transition texts, joined
 * by newlines (neither holds one); then the ids of the groups appended to (each after "+",
 * or "=" to keep the expiry of a record made moments ago) and their transition texts,
 * joined by newlines. A group creates its record when it holds a
 * `queued` or `delayed` with the previews (a producer's), or `withStatic`: a worker's events
 * are appended, and sent again with it for the records the script found missing.
 */
function writeArguments(
  head: readonly (string | number)[],
  groups: EventGroups,
  from: number,
  now: number,
  ttl: number,
  stats: [number, string, number][],
  withStatic: boolean,
): (string | number)[] {
  const { events } = groups;
  const meta: (string | number)[] = [];
  const statics: string[] = [];
  const texts: string[] = [];
  const appendIds: string[] = [];
  const appendTexts: string[] = [];
  const to = Math.min(groups.count, from + MAX_MESSAGES_PER_CALL);
  for (let g = from; g < to; g++) {
    const [first, end] = groups.range(g);
    const id = groups.id(g);
    // The waiting event that brings the previews creates the record; its options are in the static part.
    let creator = -1;
    for (let e = first; e < end && creator === -1; e++) if (isWaiting(events[e]) && events[e].args !== undefined) creator = e;
    if (withStatic && creator === -1) creator = first;
    // Appended transitions follow the record's after a tab; a creation's first one starts the list.
    let text = creator === -1 ? "" : storedTransition(events[creator], false);
    for (let e = first; e < end; e++) if (e !== creator) text += `\t${storedTransition(events[e])}`;
    if (creator === -1 && id !== "" && !id.includes("\n")) {
      // "=" keeps the expiry of a record made moments ago (within 1% of the TTL: its creation set it), "+" pushes it back.
      const sentAt = events[first].sentAt;
      appendIds.push(`${sentAt !== undefined && now - sentAt < ttl / 100 ? "=" : "+"}${id}`);
      appendTexts.push(text);
      continue;
    }
    if (creator === -1) meta.push(id, 0);
    else {
      let createdAt = events[first].transition.at;
      let withArgs: StatusEvent | undefined;
      let options: string | undefined;
      for (let e = first; e < end; e++) {
        createdAt = Math.min(createdAt, events[e].transition.at);
        if (withArgs === undefined && events[e].args !== undefined) withArgs = events[e];
        if (events[e].options !== undefined) options = events[e].options;
      }
      meta.push(id, 1, Math.floor(createdAt) - now, events[first].actorName, events[first].queueName);
      statics.push(staticPart(withArgs ?? events[creator], options));
    }
    texts.push(text);
  }
  return [
    ...head,
    JSON.stringify(stats),
    JSON.stringify(meta),
    statics.join("\n"),
    texts.join("\n"),
    appendIds.join("\n"),
    appendTexts.join("\n"),
  ];
}
