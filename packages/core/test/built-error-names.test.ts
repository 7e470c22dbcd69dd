import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packagesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

type Target = string | { import?: Target; require?: Target; default?: Target; types?: string };

/** Every built entry file of every package (ESM and CJS, as its package.json exports them). */
function builtEntries(): { label: string; file: string; format: "esm" | "cjs" }[] {
  const entries: { label: string; file: string; format: "esm" | "cjs" }[] = [];
  for (const dir of readdirSync(packagesDir)) {
    const manifest = join(packagesDir, dir, "package.json");
    if (!existsSync(manifest)) continue;
    const json = JSON.parse(readFileSync(manifest, "utf8")) as { name: string; exports: Record<string, Target> };
    for (const [subpath, target] of Object.entries(json.exports)) {
      if (subpath === "./package.json") continue;
      for (const relative of new Set(files(target))) {
        // Every package is "type": "module": .cjs files are its CommonJS build.
        const format = relative.endsWith(".cjs") ? "cjs" : "esm";
        entries.push({ label: `${json.name}${subpath.slice(1)} (${format})`, file: join(packagesDir, dir, relative), format });
      }
    }
  }
  return entries;
}

/** The JavaScript files an exports target names, under any condition. */
function files(target: Target | undefined): string[] {
  if (target === undefined) return [];
  if (typeof target === "string") return /\.c?js$/.test(target) ? [target] : [];
  return [...files(target.import), ...files(target.require), ...files(target.default)];
}

// Runs in a plain Node process, so the files load as users load them (no vitest transform).
const LIST_ERROR_CLASSES = `
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
const require = createRequire(import.meta.url);
const out = {};
for (const { label, file, format } of JSON.parse(process.argv[1])) {
  const namespace = format === "esm" ? await import(pathToFileURL(file).href) : require(file);
  out[label] = Object.entries(namespace)
    .filter(([, value]) => typeof value === "function" && value.prototype instanceof Error)
    .flatMap(([exportName, value]) => [
      [exportName + " class", value.name],
      // Every Troupe error can be made without arguments; the instance's name is what logs show.
      [exportName + " instance", new value().name],
    ]);
}
process.stdout.write(JSON.stringify(out));
`;

describe("error names in the built packages", () => {
  it("every exported Error class of every package, ESM and CJS, is named as it is exported", () => {
    const entries = builtEntries();
    const missing = entries.filter((entry) => !existsSync(entry.file)).map((entry) => entry.file);
    expect(missing, "build every package first: pnpm build").toEqual([]);
    const listed = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", LIST_ERROR_CLASSES, JSON.stringify(entries)], { encoding: "utf8" }),
    ) as Record<string, [string, string][]>;

    // "<package> (<format>) <export> class|instance" → the name found, expected to be <export>.
    const names = Object.entries(listed).flatMap(([label, pairs]) => pairs.map(([what, name]) => [`${label} ${what}`, name]));
    expect(Object.fromEntries(names)).toEqual(Object.fromEntries(names.map(([key]) => [key, key.split(" ").at(-2)])));
    // Not vacuous: the classes users meet most are in the list, in both formats.
    const keys = names.map(([key]) => key);
    expect(keys).toContain("@troupe/core (esm) TimeLimitExceeded instance");
    expect(keys).toContain("@troupe/core (cjs) ResultFailure instance");
    expect(keys).toContain("@troupe/cli (esm) ModuleLoadError instance");
    expect(keys).toContain("@troupe/cli (cjs) PidFileError class");
  });
});
