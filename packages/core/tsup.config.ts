import { defineConfig } from "tsup";
import { tsupBase } from "../../tsup.base";

// `src/testing.ts` is built by `tsup.testing.config.ts` after this, since its types refer to
// these (see there), and the thread entry by `tsup.thread.config.ts`.
// `shims` gives the CommonJS build an `import.meta.url`, by which it finds the thread entry.
export default defineConfig({ ...tsupBase, entry: ["src/index.ts"], shims: true });
