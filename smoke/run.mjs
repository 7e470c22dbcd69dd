#!/usr/bin/env node
// The packages as a user gets them: packed by pnpm, installed by npm into fresh
// projects outside the workspace, then imported, type-checked strictly, their
// README examples run against the services on loopback, and the CLI driven
// through npx. Run after `pnpm build`: `pnpm smoke` (`pnpm smoke --keep` keeps the projects).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cleanUp } from "./cleanup.mjs";
import { checkQueues, checkVersion, checkWorker, writeTaskModules } from "./cli.mjs";
import { run } from "./exec.mjs";
import { cjsCheck, EXPORTS, entryPoints, esmCheck } from "./exports.mjs";
import { pack, publishablePackages } from "./pack.mjs";
import { cleanNpmEnv, createProject, writeFiles } from "./project.mjs";
import { readmeExamples } from "./readme-examples.mjs";
import { Report } from "./report.mjs";
import { tarballProblems } from "./tarball-hygiene.mjs";
import { RESOLUTIONS, typecheck, writeTypeProject } from "./typecheck.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = (path) => JSON.parse(readFileSync(join(root, path), "utf8"));
const suffix = `smoke-${Date.now().toString(36)}${process.pid}`;
const scratch = mkdtempSync(join(tmpdir(), "troupe-smoke-"));
const report = new Report();

/** Registry packages a user adds beside ours, at the versions the workspace itself uses. */
const rootDev = manifest("package.json").devDependencies;
const rateLimitPeers = manifest("packages/rate-limit/package.json").peerDependencies;
const tooling = [
  `typescript@${rootDev.typescript}`,
  `@types/node@${rootDev["@types/node"]}`,
  `tsx@${manifest("packages/cli/package.json").devDependencies.tsx}`,
];
const otelDev = manifest("packages/opentelemetry/package.json").devDependencies;
const optionalPeers = {
  "@troupe/rate-limit": [`ioredis@${rateLimitPeers.ioredis}`, `memjs@${rateLimitPeers.memjs}`],
  // The API peer, and the SDK its README example records spans with.
  "@troupe/opentelemetry": ["@opentelemetry/api", "@opentelemetry/sdk-trace-base"].map((name) => `${name}@${otelDev[name]}`),
};

/** Runs up to `limit` of the async `tasks` at a time. */
async function inParallel(tasks, limit) {
  const queue = [...tasks];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (queue.length > 0) await queue.shift()();
    }),
  );
}

async function main() {
  process.stdout.write(`smoke: working in ${scratch}\n`);
  const packages = publishablePackages(root);
  const unbuilt = packages.filter((pkg) => !existsSync(join(pkg.dir, "dist")));
  if (unbuilt.length > 0) throw new Error(`run pnpm build first: no dist in ${unbuilt.map((pkg) => pkg.manifest.name).join(", ")}`);

  const tarballFolder = join(scratch, "tarballs");
  mkdirSync(tarballFolder);
  const packed = [];
  for (const pkg of packages) {
    const result = await report.check(`pack ${pkg.manifest.name}`, () => pack(pkg, tarballFolder));
    if (result) packed.push(result);
  }
  if (packed.length < packages.length) return;
  const rootLicense = readFileSync(join(root, "LICENSE"), "utf8");
  for (const pkg of packed) {
    await report.check(`tarball hygiene ${pkg.packed.name}`, async () => {
      const problems = await tarballProblems(pkg, rootLicense, join(scratch, "unpacked"));
      if (problems.length > 0) throw new Error(problems.join("\n"));
    });
  }
  const tarball = (name) => packed.find((pkg) => pkg.packed.name === name).tarball;

  // One project per package holding only core, the package and the optional
  // peers its README names, so a dependency a package forgot cannot come in
  // through another package.
  const importChecks = packed.map((pkg) => async () => {
    const name = pkg.packed.name;
    await report.check(`install ${name} alone; import (and require) every entry point`, async () => {
      const folder = join(scratch, `alone-${name.replace("/", "__")}`);
      const tarballs = [...new Set([tarball("@troupe/core"), pkg.tarball])];
      await createProject(folder, { tarballs, registry: optionalPeers[name] ?? [] });
      for (const { specifier, requireable } of entryPoints(pkg.packed)) {
        if (!EXPORTS[specifier]) throw new Error(`${specifier} is not listed in smoke/exports.mjs`);
        writeFiles(folder, { "esm.mjs": esmCheck(specifier), "cjs.cjs": cjsCheck(specifier) });
        await run("node", ["esm.mjs"], { cwd: folder, env: cleanNpmEnv() });
        if (requireable) await run("node", ["cjs.cjs"], { cwd: folder, env: cleanNpmEnv() });
      }
    });
  });
  await inParallel(importChecks, 3);

  const examples = await report.check("extract the README examples", () => readmeExamples(root, suffix));
  if (examples) {
    await report.check("each README's npm install line names the packages its example imports", () => {
      const gaps = examples.filter((example) => example.notInstalled.length > 0);
      if (gaps.length > 0)
        throw new Error(gaps.map((example) => `${example.readme}: also imports ${example.notInstalled.join(", ")}`).join("\n"));
    });
  }
  const project = join(scratch, "project");
  const installed = await report.check("install every package, typescript and tsx into one project", () =>
    createProject(project, { tarballs: packed.map((pkg) => pkg.tarball), registry: [...tooling, ...Object.values(optionalPeers).flat()] }),
  );
  if (!installed) return;
  try {
    if (examples) {
      writeFiles(project, Object.fromEntries(examples.map((example) => [example.file, example.code])));
      for (const example of examples.filter((candidate) => candidate.run)) {
        await report.check(`run the ${example.readme} example`, () => {
          const [command, args] =
            example.lang === "ts" ? [join(project, "node_modules", ".bin", "tsx"), [example.file]] : ["node", [example.file]];
          return run(command, args, { cwd: project, env: { ...cleanNpmEnv(), TROUPE_BROKER_URL: undefined }, timeout: 60_000 });
        });
      }
      writeTypeProject(
        project,
        examples,
        packed.flatMap((pkg) => entryPoints(pkg.packed)),
      );
      for (const resolution of Object.keys(RESOLUTIONS)) {
        await report.check(`strict type-check (${resolution}, exactOptionalPropertyTypes, no skipLibCheck)`, () =>
          typecheck(project, resolution),
        );
      }
    }
    const queue = writeTaskModules(project, suffix);
    await report.check("npx troupe --version", () => checkVersion(project, manifest("packages/cli/package.json").version));
    await report.check("npx troupe worker ./tasks.js (TROUPE_BROKER_URL), SIGTERM exits 0", () =>
      checkWorker(project, {
        module: "./tasks.js",
        actorName: "smoke_touch_js",
        queue: queue.js,
        extraEnv: { TROUPE_BROKER_URL: "redis://127.0.0.1:6379" },
      }),
    );
    await report.check("npx troupe worker ./tasks.ts (tsx, setBroker), SIGTERM exits 0", () =>
      checkWorker(project, { module: "./tasks.ts", actorName: "smoke_touch_ts", queue: queue.ts }),
    );
    await report.check("npx troupe worker ./threads.js (a thread actor, run in a worker thread), SIGTERM exits 0", () =>
      checkWorker(project, {
        module: "./threads.js",
        actorName: "smoke_touch_thread",
        queue: queue.thread,
        extraEnv: { TROUPE_BROKER_URL: "redis://127.0.0.1:6379" },
      }),
    );
    await report.check("npx troupe queues (--url, TROUPE_BROKER_URL, module)", () => checkQueues(project, queue.js));
  } finally {
    const rabbitQueues = (examples ?? []).filter((example) => example.rabbitmq).flatMap((example) => example.renamed);
    await report.check("remove what the run left in Redis and RabbitMQ", () => cleanUp(project, suffix, rabbitQueues));
  }
}

try {
  await main();
} catch (error) {
  await report.check("smoke run", () => Promise.reject(error));
}
if (process.argv.includes("--keep")) process.stdout.write(`smoke: kept ${scratch}\n`);
else rmSync(scratch, { recursive: true, force: true });
process.exit(report.summary());
