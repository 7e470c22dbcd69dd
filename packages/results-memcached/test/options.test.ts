import { InvalidOption } from "@troupe/core";
import memjs from "memjs";
import { describe, expect, it } from "vitest";
import { MemcachedResultBackend } from "../src/index.js";

describe("MemcachedResultBackend options", () => {
  it("refuses an unknown option, naming it and the option meant", () => {
    // @ts-expect-error: an unknown option
    const create = () => new MemcachedResultBackend({ server: "127.0.0.1:11211" });
    expect(create).toThrow(InvalidOption);
    expect(create).toThrow('unknown option "server" for MemcachedResultBackend; did you mean "servers"?');
  });

  it("accepts every option it documents", async () => {
    const client = memjs.Client.create("127.0.0.1:11211", { logger: { log() {} } });
    const backend = new MemcachedResultBackend({ servers: "127.0.0.1:11211", client, namespace: "options-test", timeout: 1 });
    expect([backend.client, backend.namespace]).toEqual([client, "options-test"]);
    await backend.close();
    client.close();
  });
});
