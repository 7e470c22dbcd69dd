/**
 * Runs named checks one after the other, prints one progress line each and
 * remembers the failures, so one broken check does not hide the others.
 */
export class Report {
  results = [];
  started = Date.now();

  /** Runs `fn`; resolves with its value, or with `undefined` when it failed. */
  async check(name, fn) {
    const begun = Date.now();
    process.stdout.write(`smoke: ${name} …\n`);
    try {
      const value = await fn();
      this.results.push({ name, ok: true });
      process.stdout.write(`smoke: ok   ${name} (${seconds(Date.now() - begun)})\n`);
      return value;
    } catch (error) {
      this.results.push({ name, ok: false, error });
      process.stdout.write(`smoke: FAIL ${name} (${seconds(Date.now() - begun)})\n${indent(String(error?.message ?? error))}\n`);
      return undefined;
    }
  }

  get failures() {
    return this.results.filter((result) => !result.ok);
  }

  /** Prints the summary and returns the process exit code. */
  summary() {
    const failed = this.failures;
    process.stdout.write(`\nsmoke: ${this.results.length} checks in ${seconds(Date.now() - this.started)}\n`);
    for (const failure of failed) process.stdout.write(`smoke: failed: ${failure.name}\n`);
    process.stdout.write(`smoke: ${this.results.length - failed.length} passed, ${failed.length} failed\n`);
    return failed.length === 0 ? 0 : 1;
  }
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function indent(text) {
  return text
    .split("\n")
    .map((line) => `       ${line}`)
    .join("\n");
}
