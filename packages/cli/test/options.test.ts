import { InvalidOption } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { ExitCode, main } from "../src/index.js";

describe("main options", () => {
  it("rejects an unknown option, naming it and the option meant, before running any command", async () => {
    // @ts-expect-error: an unknown option
    const run = main(["help"], { workerentry: "bin.js" });
    await expect(run).rejects.toThrow(InvalidOption);
    await expect(run).rejects.toThrow('unknown option "workerentry" for main; did you mean "workerEntry"?');
  });

  it("accepts workerEntry", async () => {
    expect(await main(["help"], { workerEntry: "bin.js" })).toBe(ExitCode.Ok);
  });
});
