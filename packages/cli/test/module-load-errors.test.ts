import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./helpers.js";

// Broken modules are written at test time: committed ones would break the lint of the repository.
const project = mkdtempSync(join(tmpdir(), "troupe-cli-broken-"));
writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module" }));
afterAll(() => rmSync(project, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(project, name)), { recursive: true });
    writeFileSync(join(project, name), text);
  }
}

/** `troupe worker <entry>` exits 2 with one line naming the error and `file:line:column`. */
async function expectImportFailure(entry: string, summary: string, where: string) {
  const { code, stderr } = await run(["worker", join(project, entry), "--processes", "1"]);
  expect(code).toBe(2);
  const line = `troupe: importing ${join(project, entry)} failed: ${summary} (at ${join(project, where)})`;
  expect(stderr).toBe(`${line}\n`);
}

describe("troupe worker when importing the module fails", () => {
  it("names the file, line and column of a JavaScript syntax error in the module", async () => {
    write({ "syntax.mjs": "export const fine = 1;\nconst broken = ;\n" });
    await expectImportFailure("syntax.mjs", "SyntaxError: Unexpected token ';'", "syntax.mjs:2:16");
  });

  it("names the nested file of a JavaScript syntax error in a module the entry imports", async () => {
    write({
      "imports-syntax.mjs": 'import "./lib/uses-broken.mjs";\n',
      "lib/uses-broken.mjs": 'export { x } from "./broken.mjs";\n',
      "lib/broken.mjs": "export const x = 1;\n\nfunction (\n",
    });
    await expectImportFailure("imports-syntax.mjs", "SyntaxError: Function statements require a function name", "lib/broken.mjs:3:10");
  });

  it("names the file, line and column of a TypeScript syntax error, nested or not", async () => {
    write({
      "typed.ts": "const total: number = 1;\nexport const twice = (total * ;\n",
      "imports-typed.ts": 'import { twice } from "./typed.ts";\nexport const again: number = twice;\n',
    });
    await expectImportFailure("typed.ts", 'TransformError: Unexpected ";"', "typed.ts:2:31");
    await expectImportFailure("imports-typed.ts", 'TransformError: Unexpected ";"', "typed.ts:2:31");
  });

  it("names the nested file of a CommonJS syntax error and of an import of a missing export", async () => {
    write({
      "requires.mjs": 'import "./legacy.cjs";\n',
      "legacy.cjs": "module.exports = {\n  a: 1,\n  b: 2 3,\n};\n",
      "imports-missing.mjs": 'import "./asks-missing.mjs";\n',
      "asks-missing.mjs": 'import { nothing } from "./exports.mjs";\nexport { nothing };\n',
      "exports.mjs": "export const something = 1;\n",
    });
    await expectImportFailure("requires.mjs", "SyntaxError: Unexpected number", "legacy.cjs:3:8");
    await expectImportFailure(
      "imports-missing.mjs",
      "SyntaxError: The requested module './exports.mjs' does not provide an export named 'nothing'",
      "asks-missing.mjs:1:10",
    );
  });

  it("names the nested file, line and column where a module throws while it is evaluated", async () => {
    write({
      "imports-throwing.mjs": 'import "./throwing.mjs";\n',
      "throwing.mjs": "export const settings = {};\nsettings.database.host;\n",
    });
    await expectImportFailure(
      "imports-throwing.mjs",
      "TypeError: Cannot read properties of undefined (reading 'host')",
      "throwing.mjs:2:19",
    );
  });
});
