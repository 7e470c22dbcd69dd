import { transportConformance } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterAll } from "vitest";
import { RedisTransport } from "../src/index.js";
import { deleteNamespace, quietLogger, REDIS_URL, uniqueNamespace } from "./helpers.js";

// One namespace for the file: a test's second transport (its peer) must see the first's keys; queues are unique per test.
const namespace = uniqueNamespace("transport");
afterAll(async () => {
  const admin = new Redis(REDIS_URL);
  await deleteNamespace(admin, namespace);
  admin.disconnect();
});

transportConformance(
  "redis",
  () => new RedisTransport({ url: REDIS_URL, namespace, heartbeatTimeout: 1_500, maintenanceInterval: 300, logger: quietLogger }),
  { crash: (transport) => (transport as RedisTransport).simulateCrash(), recoveryTimeout: 8_000 },
);
