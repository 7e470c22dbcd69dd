import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./exec.mjs";

/**
 * A fresh npm project in `folder` (outside the workspace, so nothing resolves
 * from the monorepo's node_modules) with the given tarballs and registry
 * packages installed by npm, as a user's project gets them.
 */
export async function createProject(folder, { tarballs, registry = [] }) {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "package.json"), `${JSON.stringify({ name: "troupe-smoke-user", private: true, type: "module" }, null, 2)}\n`);
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...tarballs, ...registry], {
    cwd: folder,
    timeout: 300_000,
    // The smoke run may start under pnpm, whose npm_config_* settings are not a user's.
    env: cleanNpmEnv(),
  });
  return folder;
}

/** The environment without the npm_config_* variables a package manager running this script set. */
export function cleanNpmEnv() {
  const env = {};
  for (const key of Object.keys(process.env)) if (/^npm_/i.test(key)) env[key] = undefined;
  return env;
}

/** Writes `files` ({ relative path: text }) into the project. */
export function writeFiles(folder, files) {
  for (const [path, text] of Object.entries(files)) {
    const target = join(folder, path);
    mkdirSync(join(target, ".."), { recursive: true });
    writeFileSync(target, text);
  }
}
