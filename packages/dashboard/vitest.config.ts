import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Plugin } from "vite";
import { mergeConfig } from "vitest/config";
import { packageTestConfig } from "../../vitest.shared.ts";

const SUFFIX = ".as-text";

/**
 * The dashboard's stylesheet and page script are bundled as text by tsup; the same here.
 * Their ids get a suffix, so Vite's own CSS handling (which empties CSS under vitest) skips them.
 */
const assetsAsText: Plugin = {
  name: "dashboard-assets-as-text",
  enforce: "pre",
  resolveId(source, importer) {
    if (importer && /\.(css|client\.js)$/.test(source)) return `\0${resolve(dirname(importer), source)}${SUFFIX}`;
    return null;
  },
  load(id) {
    if (!id.startsWith("\0") || !id.endsWith(SUFFIX)) return null;
    return `export default ${JSON.stringify(readFileSync(id.slice(1, -SUFFIX.length), "utf8"))};`;
  },
};

export default mergeConfig(packageTestConfig({ services: ["redis", "rabbitmq"] }), { plugins: [assetsAsText] });
