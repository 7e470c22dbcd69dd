import { defineConfig } from "tsup";
import { tsupBase } from "../../tsup.base";

export default defineConfig({
  ...tsupBase,
  entry: ["src/index.ts", "src/testing.ts"],
  // Each entry is bundled on its own: `testing` imports core by its package name so that it
  // shares the one copy of core the application loads (its classes, its message context).
  external: ["@troupe/core"],
});
