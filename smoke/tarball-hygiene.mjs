import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { run } from "./exec.mjs";

/** The metadata npm shows on a package's page; the lead maintains the values, this only checks they are there. */
function metadataProblems(pkg) {
  const { packed } = pkg;
  const problems = [];
  const expectedDirectory = `packages/${pkg.dir.split("/").pop()}`;
  if (typeof packed.repository?.url !== "string") problems.push("package.json has no repository.url");
  if (packed.repository?.directory !== expectedDirectory) problems.push(`package.json repository.directory is not "${expectedDirectory}"`);
  if (typeof packed.homepage !== "string" || packed.homepage === "") problems.push("package.json has no homepage");
  if (typeof (packed.bugs?.url ?? packed.bugs) !== "string") problems.push("package.json has no bugs url");
  if (!Array.isArray(packed.keywords) || packed.keywords.length === 0) problems.push("package.json has no keywords");
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [name, range] of Object.entries(packed[field] ?? {})) {
      if (String(range).startsWith("workspace:")) problems.push(`${field}.${name} is still "${range}" in the tarball`);
    }
  }
  return problems;
}

/** Every file path a manifest names directly: entry points, exports, bin and plain files in `files`. */
function namedFiles(packed, files) {
  const seeds = ["package.json", "README.md", "LICENSE"];
  const collect = (value) => {
    if (typeof value === "string") seeds.push(value);
    else if (value && typeof value === "object") for (const inner of Object.values(value)) collect(inner);
  };
  collect([packed.main, packed.module, packed.types, packed.typings, packed.bin, packed.exports]);
  for (const entry of packed.files ?? []) if (files.includes(normalize(entry))) seeds.push(entry);
  return seeds.filter(Boolean).map((path) => normalize(path));
}

// `new URL("./x.js", import.meta.url)` is how code locates a file it hands to a worker thread.
const REFERENCE = /(?:from\s*|import\s*\(\s*|require\s*\(\s*|new\s+URL\s*\(\s*)["'](\.{1,2}\/[^"']+)["']|sourceMappingURL=(\S+)/g;

/**
 * Files of the tarball that nothing reaches: not named by the manifest, nor
 * imported, required, source-mapped or located with `new URL` from a file that is.
 */
function unusedFiles(pkg, unpacked) {
  const files = new Set(pkg.files);
  const reached = new Set();
  const queue = namedFiles(pkg.packed, pkg.files);
  while (queue.length > 0) {
    const path = queue.pop();
    if (reached.has(path) || !files.has(path)) continue;
    reached.add(path);
    if (!/\.(c|m)?js$|\.d\.(c|m)?ts$/.test(path)) continue;
    const text = readFileSync(join(unpacked, path), "utf8");
    for (const [, specifier, map] of text.matchAll(REFERENCE)) {
      const target = normalize(join(dirname(path), specifier ?? map));
      queue.push(target, `${target}.js`, target.replace(/\.js$/, ".d.ts"), target.replace(/\.cjs$/, ".d.cts"));
    }
  }
  return [...files].filter((path) => !reached.has(path));
}

/**
 * What every tarball must hold: the root LICENSE (pnpm packs it into each
 * package of the workspace), the metadata fields, and no file nobody uses.
 */
export async function tarballProblems(pkg, rootLicense, scratch) {
  const problems = metadataProblems(pkg);
  if (pkg.license === undefined) problems.push("no LICENSE in the tarball");
  else if (pkg.license !== rootLicense) problems.push("LICENSE in the tarball differs from the repository's LICENSE");
  const unpacked = join(scratch, pkg.packed.name.replace("/", "__"));
  mkdirSync(unpacked, { recursive: true });
  await run("tar", ["-xzf", pkg.tarball, "-C", unpacked, "--strip-components=1"]);
  const unused = unusedFiles(pkg, unpacked);
  if (unused.length > 0) problems.push(`files nothing in the package uses: ${unused.join(", ")}`);
  return problems;
}
