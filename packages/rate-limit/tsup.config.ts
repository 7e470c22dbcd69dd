import { defineConfig } from "tsup";
import { tsupBase } from "../../tsup.base";

// `shims` gives the CJS build an `import.meta.url`, which loading the optional peers relies on.
export default defineConfig({ ...tsupBase, entry: ["src/index.ts", "src/redis.ts", "src/memcached.ts"], shims: true });
