import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./exec.mjs";

/** Every package under `packages/` that is published (not `private`), with its manifest. */
export function publishablePackages(root) {
  const folder = join(root, "packages");
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const dir = join(folder, entry.name);
      return { dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) };
    })
    .filter(({ manifest }) => manifest.private !== true)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/**
 * Packs one package with pnpm, as `pnpm publish` would (workspace ranges
 * replaced, the root LICENSE added), and lists the tarball's files.
 */
export async function pack(pkg, destination) {
  const { stdout } = await run("pnpm", ["pack", "--json", "--pack-destination", destination], { cwd: pkg.dir });
  const { filename } = JSON.parse(stdout);
  const listing = await run("tar", ["-tzf", filename]);
  const files = listing.stdout
    .split("\n")
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ""));
  const packed = JSON.parse((await run("tar", ["-xzOf", filename, "package/package.json"])).stdout);
  const license = files.includes("LICENSE") ? (await run("tar", ["-xzOf", filename, "package/LICENSE"])).stdout : undefined;
  return { ...pkg, tarball: filename, files, packed, license };
}
