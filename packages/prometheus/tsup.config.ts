import { defineConfig } from "tsup";
import { tsupBase } from "../../tsup.base";

// `shims` gives the CJS build an `import.meta.url`: a worker process names this module to its supervisor by it.
export default defineConfig({ ...tsupBase, entry: ["src/index.ts"], shims: true });
