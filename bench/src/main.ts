/**
 * `pnpm bench <suite> [options]`: runs bench/src/<suite>.ts, which prints its figures.
 * Suites: memory, redis, rabbitmq, rate-limit, status, threads, abort.
 */
const suites = ["memory", "redis", "rabbitmq", "rate-limit", "status", "threads", "abort"];
const [suite, ...rest] = process.argv.slice(2);

if (!suite || !suites.includes(suite)) {
  console.error(`usage: pnpm bench <${suites.join("|")}> [options]`);
  process.exit(2);
}
const module = (await import(`./${suite}.ts`)) as { run(args: string[]): Promise<void> };
await module.run(rest);
process.exit(0);
