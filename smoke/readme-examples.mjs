import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Code blocks of a Markdown file: `{ lang, code, heading }`, heading being the nearest `##` above. */
function codeBlocks(markdown) {
  const blocks = [];
  let heading = "";
  let open;
  for (const line of markdown.split("\n")) {
    if (open) {
      if (line.startsWith("```")) {
        blocks.push(open);
        open = undefined;
      } else open.code += `${line}\n`;
    } else if (line.startsWith("```")) open = { lang: line.slice(3).trim(), code: "", heading };
    else if (line.startsWith("#")) heading = line.replace(/^#+\s*/, "");
  }
  return blocks;
}

const RUNNABLE = new Set(["ts", "js"]);

/** The `@troupe/*` packages an example imports that the README's own `npm install` line leaves out. */
function missingFromInstall(blocks, code) {
  const installs = blocks
    .filter((block) => block.lang === "sh")
    .flatMap((block) => block.code.split("\n"))
    .filter((line) => /^npm (install|i) /.test(line.trim()));
  if (installs.length === 0) return [];
  const installed = new Set(installs.join(" ").split(/\s+/));
  const imported = [...code.matchAll(/from "(@troupe\/[^"/]+)/g)].map((match) => match[1]);
  return [...new Set(imported)].filter((name) => !installed.has(name));
}

/**
 * Which README example each package is checked by: the root README's "In 20
 * lines" block and each package README's first TypeScript or JavaScript block
 * (its main example). `names` lists the queue and key names the example uses
 * on shared services: the smoke run makes them unique, and fails when one is
 * no longer in the example, so the list cannot go stale silently; `rabbitmq`
 * marks names that are RabbitMQ queues, deleted after the run. `run: false`
 * marks an example that only type-checks (testkit's is a vitest file for a
 * target the user writes).
 */
const EXAMPLES = [
  { id: "root", readme: "README.md", heading: "In 20 lines", names: [] },
  { id: "core", readme: "packages/core/README.md", names: [] },
  { id: "broker-redis", readme: "packages/broker-redis/README.md", names: ['"math"'] },
  { id: "broker-rabbitmq", readme: "packages/broker-rabbitmq/README.md", names: ['"greetings"'], rabbitmq: true },
  { id: "results-redis", readme: "packages/results-redis/README.md", names: [] },
  { id: "results-memcached", readme: "packages/results-memcached/README.md", names: [] },
  { id: "rate-limit", readme: "packages/rate-limit/README.md", names: ['"reports-mutex"', '"partner-api"'] },
  { id: "abort", readme: "packages/abort/README.md", names: ['"my-app-aborts:"'] },
  { id: "prometheus", readme: "packages/prometheus/README.md", names: [] },
  { id: "opentelemetry", readme: "packages/opentelemetry/README.md", names: ['"images"'] },
  { id: "scheduler", readme: "packages/scheduler/README.md", names: ['"reports"', '"my-app-schedules"'] },
  { id: "testkit", readme: "packages/testkit/README.md", names: [], run: false },
];

/**
 * The examples, extracted from the README files (so they cannot drift from
 * what is tested), with their shared-service names suffixed by `suffix`, and
 * `notInstalled`: packages they import that the README's install line omits.
 * Throws when a README lost its example or one of the listed names.
 */
export function readmeExamples(root, suffix) {
  return EXAMPLES.map((example) => {
    const all = codeBlocks(readFileSync(join(root, example.readme), "utf8"));
    const blocks = all.filter((block) => RUNNABLE.has(block.lang));
    const block = example.heading ? blocks.find((candidate) => candidate.heading === example.heading) : blocks[0];
    if (!block) throw new Error(`${example.readme} has no ${example.heading ? `"${example.heading}" ` : ""}ts/js example any more`);
    let code = block.code;
    const renamed = [];
    for (const name of example.names) {
      if (!code.includes(name))
        throw new Error(`the example in ${example.readme} no longer uses ${name}: update smoke/readme-examples.mjs`);
      renamed.push(`${JSON.parse(name)}-${suffix}`);
      code = code.replaceAll(name, JSON.stringify(renamed.at(-1)));
    }
    const notInstalled = missingFromInstall(all, block.code);
    return {
      ...example,
      lang: block.lang,
      code,
      renamed,
      notInstalled,
      run: example.run ?? true,
      file: `examples/${example.id}.${block.lang === "ts" ? "ts" : "mjs"}`,
    };
  });
}
