#!/usr/bin/env node
// Fails when the pending changesets would release an unintended major version, or would
// not release every published package at one shared version. A minor bump of a 0.x core
// once pushed every dependent to 1.0.0; this catches any such drift before a release.
// The plan is read from the changeset files alone (no git history needed, so it works
// in any clone, on any branch).
import getReleasePlan from "@changesets/get-release-plan";

const plan = await getReleasePlan(process.cwd());
const published = plan.releases.filter((release) => release.type !== "none");
const problems = [];
for (const release of published) {
  if (release.type !== "major") continue;
  const asked = plan.changesets.some((changeset) =>
    changeset.releases.some((named) => named.name === release.name && named.type === "major"),
  );
  if (!asked)
    problems.push(`${release.name} would go ${release.oldVersion} → ${release.newVersion} although no changeset asks for a major`);
}
const versions = new Set(published.map((release) => release.newVersion));
if (versions.size > 1) problems.push(`the packages would not share one version: ${[...versions].join(", ")}`);
for (const release of published) console.log(`${release.name}: ${release.oldVersion} → ${release.newVersion} (${release.type})`);
if (problems.length > 0) {
  for (const problem of problems) console.error(`release plan: ${problem}`);
  process.exit(1);
}
console.log(`release plan: ${published.length} packages at ${[...versions][0] ?? "(nothing to release)"}, no unintended major`);
