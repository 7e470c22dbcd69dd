import { defineConfig } from "tsup";
import { tsupBase } from "../../tsup.base";

// `@troupe/core/testing` imports core by its package name so that it shares the one copy of
// core the application loads (its classes, its message context). Its declarations therefore
// resolve `@troupe/core` to `dist/index.d.ts`, which the main build writes first.
export default defineConfig({
  ...tsupBase,
  entry: ["src/testing.ts"],
  clean: false,
  external: ["@troupe/core"],
});
