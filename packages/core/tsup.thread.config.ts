import { defineConfig } from "tsup";
import { tsupBase } from "../../tsup.base";

// What a pool thread loads to run a thread actor (`isolation: "thread"`): not a public entry
// point, so no declarations, and ES module only, whichever build of core started the pool.
export default defineConfig({
  ...tsupBase,
  entry: ["src/thread-entry.ts"],
  format: ["esm"],
  dts: false,
  clean: false,
});
