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
  loader: { ".lua": "text" },
};
