import { defineConfig } from "tsup";
import { tsupBase } from "../../tsup.base";

// `src/testing.ts` is built by `tsup.testing.config.ts` after this, since its types refer to
// these (see there).
export default defineConfig({ ...tsupBase, entry: ["src/index.ts"] });
