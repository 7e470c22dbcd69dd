import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "vite";
import { defineProject } from "vitest/config";

const root = dirname(fileURLToPath(import.meta.url));

/**
 * Tests run against the sources of every @troupe package, so one copy of core
 * (one global broker, one error marker) is loaded, and no build is needed to test.
 * `@troupe/x` resolves to `packages/x/src/index.ts`, `@troupe/x/sub` to `packages/x/src/sub.ts`.
 */
function troupeSources(): Plugin {
  return {
    name: "troupe-sources",
    enforce: "pre",
    resolveId(id) {
      const match = /^@troupe\/([a-z0-9-]+)(?:\/(.+))?$/.exec(id);
      if (!match) return null;
      return join(root, "packages", match[1], "src", `${match[2] ?? "index"}.ts`);
    },
  };
}

/** Lua scripts are bundled as text by tsup; this does the same under vitest. */
function luaAsText(): Plugin {
  return {
    name: "lua-as-text",
    load(id) {
      if (!id.endsWith(".lua")) return null;
      return `export default ${JSON.stringify(readFileSync(id, "utf8"))};`;
    },
  };
}

export type Service = "redis" | "rabbitmq" | "memcached";

export function packageTestConfig(options: { services?: Service[]; timeout?: number } = {}) {
  const services = options.services ?? [];
  return defineProject({
    plugins: [troupeSources(), luaAsText()],
    test: {
      include: ["test/**/*.test.ts"],
      testTimeout: options.timeout ?? 30_000,
      hookTimeout: 60_000,
      globalSetup: services.length ? [join(root, "scripts", "ensure-services.ts")] : [],
      env: { TROUPE_TEST_SERVICES: services.join(",") },
      typecheck: { enabled: true, include: ["test/**/*.test-d.ts"] },
    },
  });
}
