import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { requireOptional } from "../src/require-optional.ts";

describe("optional peer dependencies", () => {
  it("says which package to install when the client is missing", () => {
    expect(() => requireOptional("troupe-no-such-client", "@troupe/rate-limit/redis")).toThrow(
      '@troupe/rate-limit/redis needs the optional peer dependency "troupe-no-such-client", which is not installed: run "npm install troupe-no-such-client"',
    );
  });

  it("loads an installed client", () => {
    expect(typeof requireOptional<{ Client: unknown }>("memjs", "@troupe/rate-limit/memcached").Client).toBe("function");
  });

  it("does not hide other errors thrown while loading", () => {
    const broken = () => {
      throw new SyntaxError("bad module");
    };
    expect(() => requireOptional("memjs", "@troupe/rate-limit/memcached", broken)).toThrow(SyntaxError);
  });
});

describe("the package root", () => {
  it("loads neither ioredis nor memjs; the subpaths do", () => {
    const packageDir = fileURLToPath(new URL("..", import.meta.url));
    const script = `
      import { createRequire, register } from "node:module";
      register("./test/fixtures/lua-as-text.mjs", import.meta.url);
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((p) => /[\\\\/](ioredis|memjs)[\\\\/]/.test(p)).length > 0;
      await import("./src/index.ts");
      const root = loaded();
      await import("./src/redis.ts");
      await import("./src/memcached.ts");
      console.log(JSON.stringify({ root, subpaths: loaded() }));
    `;
    const output = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: packageDir,
      encoding: "utf8",
    });
    expect(JSON.parse(output.trim().split("\n").pop() ?? "{}")).toEqual({ root: false, subpaths: true });
  });
});
