import { defineConfig } from "vitest/config";

/**
 * The fast test subsets `npm run mutation` (Stryker, stryker.config.mjs) runs against the mutants
 * of one source directory at a time, chosen by MUTATE (engine, model or calibration): the unit
 * tests that exercise it. No CLI subprocess tests (a mutant in src/ is not in dist/); for
 * calibration, the method tests on a small references file and the report and writing tests,
 * not the full 20 s calibration. The
 * engine's tests do not run for calibration mutants, nor the calibration's (which call the engine
 * thousands of times) for engine mutants. Environment: see stryker.config.mjs.
 *
 * Stryker needs every test to pass on the unmutated code, and a test that already fails cannot
 * tell a mutant from the original: a test that states an engine bug not yet fixed is listed here
 * by name and left out until it passes (none today).
 */
export const FAILING_TODAY: string[] = [];

const TESTS: Record<string, string[]> = {
  engine: ["tests/engine/**/*.test.ts", "tests/model/**/*.test.ts"],
  // the model tests and the engine tests that read models (profiles, parameter counts, layouts)
  model: ["tests/model/**/*.test.ts", "tests/engine/formulas.test.ts", "tests/engine/physics.test.ts", "tests/engine/inputs.test.ts"],
  calibration: ["tests/calibration/method.test.ts", "tests/calibration/report.test.ts"],
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

export default defineConfig({
  test: {
    include: TESTS[process.env["MUTATE"] ?? ""] ?? [...new Set(Object.values(TESTS).flat())],
    setupFiles: ["tests/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    ...(FAILING_TODAY.length > 0 ? { testNamePattern: new RegExp(`^(?!.*(${FAILING_TODAY.map(escape).join("|")}))`) } : {}),
  },
});
