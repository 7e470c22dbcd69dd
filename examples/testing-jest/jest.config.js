/** Jest runs the TypeScript tests through ts-jest, as CommonJS: `@troupe/core` loads its CJS build. */
module.exports = {
  testEnvironment: "node",
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
};
