import { MemcachedResultBackend } from "@troupe/results-memcached";
import { resultBackendConformance } from "@troupe/testkit";

resultBackendConformance("memcached", () => new MemcachedResultBackend({ servers: "127.0.0.1:11211" }), {
  close: (backend) => (backend as MemcachedResultBackend).close(),
  minTtl: 1000,
});
