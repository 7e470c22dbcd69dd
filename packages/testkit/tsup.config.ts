import { defineConfig } from "tsup";
import { tsupBase } from "../../tsup.base";

// ES modules only: vitest refuses to be require()d, so a CommonJS build could never load.
export default defineConfig({ ...tsupBase, entry: ["src/index.ts"], format: ["esm"] });
