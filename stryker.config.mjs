// Mutation testing (`npm run mutation`): Stryker changes one operator, constant or condition at a
// time in src/engine, src/model and src/calibration and runs the fast test subset of
// vitest.mutation.config.ts; a mutant no test notices "survives". Slow (tens of minutes on two
// cores), so not part of `npm test`. Results: out/mutation/index.html; later runs reuse the
// results of unchanged code and tests (incremental). One directory at a time:
//   npm run mutation -- --mutate "src/engine/**/*.ts"
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  mutate: ["src/engine/**/*.ts", "src/model/**/*.ts", "src/calibration/**/*.ts"],
  coverageAnalysis: "perTest",
  concurrency: 2,
  incremental: true,
  incrementalFile: "out/mutation/stryker-incremental.json",
  reporters: ["progress", "clear-text", "html", "json"],
  htmlReporter: { fileName: "out/mutation/index.html" },
  jsonReporter: { fileName: "out/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: "out/.stryker-tmp",
  ignorePatterns: ["dist", "out", "bench"],
  thresholds: { high: 90, low: 80, break: null },
  timeoutMS: 30000,
};
