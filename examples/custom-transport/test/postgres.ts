import { randomUUID } from "node:crypto";
import pg from "pg";
import { PgTransport } from "../src/pg-transport.js";

/** The local PostgreSQL (trust auth); `TROUPE_PG_URL` points elsewhere. */
export const PG_URL = process.env.TROUPE_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Short leases, so a crashed process's rows come back within seconds (the heartbeat beats every third of it). */
export const LEASE_MS = 1_500;

/** A schema no other run uses, made now and dropped by `drop`: every transport of a suite keeps its table there. */
export async function testSchema(): Promise<{ transport(): PgTransport; drop(): Promise<void> }> {
  const name = `troupe_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  return {
    transport: () => new PgTransport({ connectionString: PG_URL, table: `${name}.messages`, leaseMs: LEASE_MS, max: 4 }),
    async drop() {
      await admin.query(`DROP SCHEMA ${name} CASCADE`);
      await admin.end();
    },
  };
}
