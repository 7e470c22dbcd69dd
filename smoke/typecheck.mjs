import { join } from "node:path";
import { run } from "./exec.mjs";
import { typeUsage } from "./exports.mjs";
import { writeFiles } from "./project.mjs";

/** As strict as a user may be; `skipLibCheck` stays off so the published .d.ts files are checked too. */
const STRICT = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noImplicitOverride: true,
  target: "es2022",
  lib: ["es2023"],
  types: ["node"],
  noEmit: true,
};

/** The module settings users have: Node's own resolution, and a bundler's. */
export const RESOLUTIONS = {
  node16: { module: "node16", moduleResolution: "node16" },
  bundler: { module: "esnext", moduleResolution: "bundler" },
};

/**
 * Writes a strict TypeScript project over the installed packages: the README
 * examples in TypeScript and a module using every entry point's main exports
 * (also, for those with a `require` condition, from a `.cts` file, which
 * under node16 resolves the CommonJS types).
 */
export function writeTypeProject(folder, examples, entries) {
  const sources = {
    "types/exports.ts": typeUsage(entries.map((entry) => entry.specifier)),
    "types/exports-cjs.cts": typeUsage(entries.filter((entry) => entry.requireable).map((entry) => entry.specifier)),
  };
  // testkit's example imports the target and the transport the user writes; their types are all it needs here.
  sources["examples/my-target.ts"] =
    'import type { BrokerTarget } from "@troupe/testkit";\n\nexport declare const myTarget: BrokerTarget;\n';
  sources["src/index.ts"] = [
    'import type { Transport } from "@troupe/core";',
    "",
    "export interface MyTransport extends Transport {}",
    "export declare class MyTransport {",
    "  kill(): void;",
    "}",
    "",
  ].join("\n");
  for (const example of examples) if (example.lang === "ts") sources[example.file] = example.code;
  writeFiles(folder, sources);
  for (const [name, settings] of Object.entries(RESOLUTIONS)) {
    // A .cts file in a bundler project is compiled as CommonJS syntax, which bundler resolution refuses.
    const include = name === "node16" ? ["examples", "types"] : ["examples", "types/*.ts"];
    const tsconfig = { compilerOptions: { ...STRICT, ...settings }, include };
    writeFiles(folder, { [`tsconfig.${name}.json`]: `${JSON.stringify(tsconfig, null, 2)}\n` });
  }
}

/** Type-checks the project with one of `RESOLUTIONS`; rejects with tsc's diagnostics. */
export async function typecheck(folder, resolution) {
  await run(join(folder, "node_modules", ".bin", "tsc"), ["-p", `tsconfig.${resolution}.json`, "--pretty", "false"], {
    cwd: folder,
    timeout: 180_000,
  });
}
