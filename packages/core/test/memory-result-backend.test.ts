import { MemoryResultBackend } from "@troupe/core";
import { resultBackendConformance } from "../../testkit/src/index.js";

resultBackendConformance("memory", () => new MemoryResultBackend());
