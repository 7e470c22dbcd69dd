import { MemoryTransport } from "@troupe/core";
// Core cannot depend on @troupe/testkit (testkit depends on core), so the suite is imported by path.
import { transportConformance } from "../../testkit/src/index.js";

transportConformance("memory", () => new MemoryTransport(), {
  // Its queues live in the transport: another "process" is the same transport, as with MemoryBroker.
  peer: (transport) => transport,
  crash: (transport) => (transport as MemoryTransport).killReaders(),
});
