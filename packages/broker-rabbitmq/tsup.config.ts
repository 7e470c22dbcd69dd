import { defineConfig } from "tsup";
import { tsupBase } from "../../tsup.base";

// `stripInternal` drops the members marked `@internal` (the consumer's and the
// delivery's constructors, the channel plumbing) from the published types, so
// they do not reference amqplib's: users need no @types/amqplib.
export default defineConfig({ ...tsupBase, entry: ["src/index.ts"], dts: { compilerOptions: { stripInternal: true } } });
