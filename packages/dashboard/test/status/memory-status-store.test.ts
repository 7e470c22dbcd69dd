import { MemoryStatusStore } from "../../src/status/memory-status-store.js";
import { storeContract } from "./support/store-contract.js";

storeContract("MemoryStatusStore", async () => new MemoryStatusStore());
