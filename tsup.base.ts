import type { Options } from "tsup";

/** The one build shape every package spreads: ESM + CJS + .d.ts, Lua inlined as text. */
export const tsupBase: Options = {
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
  splitting: false,
  treeshake: true,
  // esbuild renames classes that collide when bundling (`class _TimeLimitExceeded`); error names
  // reach logs, onFailure payloads and the failures Dramatiq reads, so classes keep their own.
  keepNames: true,
  loader: { ".lua": "text" },
};
