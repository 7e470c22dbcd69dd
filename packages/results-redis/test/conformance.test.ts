import { resultBackendConformance } from "@troupe/testkit";
import { RedisResultBackend } from "../src/index.js";

resultBackendConformance("redis", () => new RedisResultBackend({ url: process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379" }), {
  close: (backend) => (backend as RedisResultBackend).close(),
});
