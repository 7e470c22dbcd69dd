import { transportConformance } from "@troupe/testkit";
import { afterAll } from "vitest";
import type { PgTransport } from "../src/pg-transport.js";
import { LEASE_MS, testSchema } from "./postgres.js";

const schema = await testSchema();
afterAll(() => schema.drop());

transportConformance("postgresql", schema.transport, {
  // A killed process: its connections drop and its heartbeat stops, its leases run out.
  crash: (transport) => (transport as PgTransport).close(true),
  recoveryTimeout: LEASE_MS + 3_000,
});
