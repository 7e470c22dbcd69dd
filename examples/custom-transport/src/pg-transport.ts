import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { OutgoingMessage, Transport, TransportCapabilities, TransportReader } from "@troupe/core";
import { ConnectionError, canonicalQueueName, delayQueueName } from "@troupe/core";
import pg from "pg";

/** Options of `PgTransport`: node-postgres pool options (`connectionString`, ...), and these. */
export interface PgTransportOptions extends pg.PoolConfig {
  /** The one table of this deployment, schema-qualified if you like (default `troupe_messages`). */
  table?: string;
  /** How long a fetched row stays leased without a heartbeat (ms, default 30 000): a dead process's rows come back after it. */
  leaseMs?: number;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const FREE = "dead_at IS NULL AND coalesce(locked_until < now(), true)"; // live, and leased to no reader
const LEASE = `UPDATE $T SET reader = $1, locked_until = now() + $3 * interval '1 ms' WHERE id = ANY(ARRAY(SELECT id FROM $T
  WHERE queue = $2 AND ${FREE} ORDER BY priority DESC, id LIMIT $4 FOR UPDATE SKIP LOCKED)) RETURNING id::text, data, priority`;
const RENEW = "UPDATE $T SET locked_until = now() + $2 * interval '1 ms' WHERE reader = ANY($1::uuid[]) AND dead_at IS NULL";
const NACK = "UPDATE $T SET dead_at = now(), reason = $3, queue = $4"; // dead letters belong to the canonical queue
const DELETE_DEAD = "DELETE FROM $T WHERE queue = $1 AND dead_at IS NOT NULL";
const EVERY_FEATURE = { priorities: true, wakeUps: true, queueStats: true, deadLetters: true, atomicMove: true };

/**
 * A Troupe transport on PostgreSQL: every queue of a deployment is rows of one table; readers lease rows with
 * `FOR UPDATE SKIP LOCKED`, `NOTIFY` wakes them up, and a heartbeat renews the leases of live readers, so the
 * rows of a killed process come back once their lease runs out.
 */
export class PgTransport implements Transport<string> {
  readonly specificationVersion = "v1";
  readonly system = "postgresql";
  readonly capabilities: TransportCapabilities = { ...EVERY_FEATURE, crashRecovery: "heartbeat" };
  private readonly pool: pg.Pool;
  private readonly channel: string;
  private readonly table: string;
  private readonly leaseMs: number;
  private readonly readers = new Map<string, TransportReader<string>>();
  private readonly wakeUps = new EventEmitter().setMaxListeners(0); // an event per queue name
  private ready: Promise<pg.Client> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor({ table = "troupe_messages", leaseMs = 30_000, ...config }: PgTransportOptions = {}) {
    this.pool = new pg.Pool(config).on("error", () => {}); // the next query sees it; unhandled, it would end the process
    [this.channel, this.table, this.leaseMs] = [table, table.split(".").map(quote).join("."), leaseMs];
  }

  /** Makes sure of the table (the advisory lock keeps two processes from creating it at once), and LISTENs: once, again after an outage. */
  private prepare(): Promise<pg.Client> {
    this.ready ??= (async () => {
      await this.pool.query(`SELECT pg_advisory_xact_lock(hashtext('${this.table}')); CREATE TABLE IF NOT EXISTS ${this.table} (
        id bigserial PRIMARY KEY, queue text NOT NULL, data bytea NOT NULL, priority int NOT NULL DEFAULT 0, reader uuid,
        locked_until timestamptz, dead_at timestamptz, reason text);
        CREATE INDEX IF NOT EXISTS ${quote(`${this.channel}_ready`)} ON ${this.table} (queue, priority DESC, id) WHERE dead_at IS NULL`);
      const client = new pg.Client(this.pool.options);
      client.on("error", () => (this.ready = undefined)); // the next query LISTENs again, on a new connection
      client.on("notification", ({ payload }) => this.wakeUps.emit(`ready:${payload}`));
      await client.connect();
      await client.query(`LISTEN ${quote(this.channel)}`);
      return client;
    })();
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  /** Runs `text` (`$T` is the table); an unreachable server throws `ConnectionError`, on which core backs off and retries. */
  private async sql(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
    try {
      return await this.prepare().then(() => this.pool.query(text.replaceAll("$T", this.table), values));
    } catch (error) {
      throw error instanceof pg.DatabaseError ? error : new ConnectionError(`PostgreSQL: ${(error as Error).message}`, { cause: error });
    }
  }

  async publish(messages: readonly OutgoingMessage<string>[]): Promise<void> {
    const rows = [messages.map((m) => m.queueName), messages.map((m) => Buffer.from(m.data)), messages.map((m) => m.priority ?? 0)];
    // One statement, so one transaction: replaced delay-queue rows go as the new rows come, and NOTIFY fires on commit.
    const insert = `WITH gone AS (DELETE FROM $T WHERE id = ANY($4::bigint[])), added AS (INSERT INTO $T (queue, data, priority)
      SELECT * FROM unnest($1::text[], $2::bytea[], $3::int[]) RETURNING queue) SELECT pg_notify($5, queue) FROM added GROUP BY queue`;
    await this.sql(insert, [...rows, messages.flatMap((m) => m.replaces ?? []), this.channel]);
  }

  async openReader(queueName: string, { prefetch }: { prefetch: number }): Promise<TransportReader<string>> {
    await this.prepare(); // LISTEN before the first fetch, so that no NOTIFY falls between them
    const beat = () => this.sql(RENEW, [[...this.readers.keys()], this.leaseMs]).catch(() => {}); // a failed beat: the next will do
    this.heartbeat ??= setInterval(beat, this.leaseMs / 3).unref();
    const id = randomUUID(); // the rows this reader leased carry its id
    const out = new Set<string>();
    const settle = async (handles: readonly string[], change: string, ...values: unknown[]) => {
      // `reader = $2`: a row whose lease ran out and went to another reader is no longer this one's to settle.
      await this.sql(`${change} WHERE id = ANY($1::bigint[]) AND reader = $2`, [handles, id, ...values]);
      for (const handle of handles) out.delete(handle);
    };
    const reader: TransportReader<string> = {
      alive: true, // leases outlive a lost connection: whatever a reader holds, it can still settle
      fetch: async (max, acks) => {
        if (acks.length > 0) await reader.ack(acks);
        const room = Math.max(0, Math.min(max, prefetch - out.size)); // core asks for no more than fits, so rarely 0
        const { rows } = await this.sql(LEASE, [id, queueName, this.leaseMs, room]);
        rows.sort((a, b) => b.priority - a.priority || Number(a.id) - Number(b.id)); // RETURNING keeps no order
        for (const row of rows) out.add(row.id);
        return rows.map((row) => ({ data: row.data, handle: row.id }));
      },
      ack: (handles) => settle(handles, "DELETE FROM $T"),
      requeue: (handles) => settle(handles, "UPDATE $T SET reader = NULL, locked_until = NULL"),
      nack: (handle, reason) => settle([handle], NACK, reason.replaceAll("\0", "\uFFFD"), canonicalQueueName(queueName)), // no NUL in text
      onReady: (listener) => {
        this.wakeUps.on(`ready:${queueName}`, listener);
        return () => void this.wakeUps.off(`ready:${queueName}`, listener);
      },
      close: async () => {
        this.readers.delete(id);
        await this.sql(`UPDATE $T SET reader = NULL, locked_until = NULL WHERE reader = $1 AND dead_at IS NULL`, [id]);
      },
    };
    this.readers.set(id, reader);
    return reader;
  }

  async purge(queueName: string): Promise<void> {
    await this.sql("DELETE FROM $T WHERE queue = ANY($1)", [[queueName, delayQueueName(queueName)]]);
  }

  async stats(queueName: string) {
    const counts = `SELECT count(*) FILTER (WHERE queue = $1 AND ${FREE})::int AS ready, count(*) FILTER (WHERE queue = $2)::int AS delayed,
      count(*) FILTER (WHERE queue = $1 AND dead_at IS NULL AND locked_until >= now())::int AS "inFlight",
      count(*) FILTER (WHERE dead_at IS NOT NULL)::int AS "deadLetters" FROM $T WHERE queue = ANY(ARRAY[$1, $2])`;
    return (await this.sql(counts, [queueName, delayQueueName(queueName)])).rows[0];
  }

  async listDeadLetters(queueName: string, limit: number) {
    const dead = `SELECT id::text, data, reason, extract(epoch FROM dead_at)::float8 * 1000 AS "deadAt" FROM $T
      WHERE queue = $1 AND dead_at IS NOT NULL ORDER BY dead_at, id LIMIT $2`;
    return (await this.sql(dead, [queueName, Number.isFinite(limit) ? limit : null])).rows; // LIMIT NULL: all of them
  }

  async deleteDeadLetters(queueName: string, ids: readonly string[]): Promise<number> {
    return (await this.sql(`${DELETE_DEAD} AND id::text = ANY($2)`, [queueName, ids])).rowCount ?? 0;
  }

  async purgeDeadLetters(queueName: string): Promise<number> {
    return (await this.sql(DELETE_DEAD, [queueName])).rowCount ?? 0;
  }

  /** Closes every connection, giving leased rows back; with `crash`, not: as a killed process would (for crash tests). */
  async close(crash = false): Promise<void> {
    if (!crash) await Promise.all([...this.readers.values()].map((reader) => reader.close()));
    clearInterval(this.heartbeat);
    await Promise.all([this.ready?.then((client) => client.end()).catch(() => {}), this.pool.end()]);
  }
}
