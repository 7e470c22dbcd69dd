import { defineConfig } from "tsup";
import { tsupBase } from "../../tsup.base";

// The dashboard's stylesheet and page script ship inside the bundle, as text.
export default defineConfig({ ...tsupBase, entry: ["src/index.ts"], loader: { ...tsupBase.loader, ".css": "text", ".client.js": "text" } });
