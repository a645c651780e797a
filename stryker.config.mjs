// Mutation testing (`npm run mutation`): Stryker changes one operator, constant or condition at a
// time in the source and runs the unit tests that exercise it (vitest.mutation.config.ts); a
// mutant no test notices "survives". One source directory per run, chosen by MUTATE (engine,
// model or calibration; `npm run mutation` runs the three in turn). Slow (about an hour for
// src/engine on two shared cores), so not part of `npm test`. Reports: out/mutation/<dir>/index.html;
// a later run retests only mutants whose code or covering tests changed (incremental).
const dir = process.env.MUTATE ?? "engine";
// Set here, before Stryker starts its test processes, so every one inherits them: the description
// cache keys on the validating code's file times, which a mutant does not change (a loader mutant
// would be read from the cache and survive); property tests run 20 cases each.
process.env.WAFERSIM_NO_CACHE = "1";
// tests/engine/synthetic.ts's lazy() then computes per test, so each test's coverage is its own.
process.env.WAFERSIM_MUTATION = "1";
process.env.PROPERTY_RUNS ??= "20";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  mutate: [`src/${dir}/**/*.ts`],
  coverageAnalysis: "perTest",
  concurrency: 2,
  incremental: true,
  incrementalFile: `out/mutation/${dir}/stryker-incremental.json`,
  reporters: ["progress-append-only", "clear-text", "html", "json"],
  htmlReporter: { fileName: `out/mutation/${dir}/index.html` },
  jsonReporter: { fileName: `out/mutation/${dir}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: "out/.stryker-tmp",
  ignorePatterns: ["dist", "out", "bench"],
  thresholds: { high: 90, low: 80, break: null },
  timeoutMS: 10000,
};
