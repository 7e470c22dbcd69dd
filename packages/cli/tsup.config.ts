import { defineConfig } from "tsup";
import { tsupBase } from "../../tsup.base";

// The bin is run by node as the ES module package.json names, never imported:
// it needs neither a CommonJS build nor types. Its files are left out of the
// library build's clean, which runs alongside this build.
export default defineConfig([
  { ...tsupBase, entry: ["src/index.ts"], clean: ["!bin.js", "!bin.js.map"] },
  { ...tsupBase, entry: ["src/bin.ts"], format: ["esm"], dts: false, clean: false },
]);
