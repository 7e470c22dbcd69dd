import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

type Target = string | { import?: Target; default?: Target } | undefined;

function importTarget(target: Target): string | undefined {
  if (typeof target === "string" || target === undefined) return target;
  return importTarget(target.import) ?? importTarget(target.default);
}

/**
 * The ESM file of `pkg` (and its `subpath` export) as installed where `dir` would
 * find it, or undefined. `require.resolve` alone would give the CommonJS build: a
 * second copy of core that would not share the global broker, or a loader API
 * that cannot register itself.
 */
export function esmEntry(pkg: string, dir: string, subpath = "."): string | undefined {
  let manifest: string;
  try {
    manifest = createRequire(join(dir, "noop.js")).resolve(`${pkg}/package.json`);
  } catch {
    return undefined;
  }
  const json = JSON.parse(readFileSync(manifest, "utf8")) as { exports?: Record<string, Target>; module?: string };
  const entry = importTarget(json.exports?.[subpath]) ?? (subpath === "." ? json.module : undefined);
  return entry ? join(dirname(manifest), entry) : undefined;
}
