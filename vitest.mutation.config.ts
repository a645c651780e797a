import { defineConfig } from "vitest/config";

/**
 * The fast test subset `npm run mutation` (Stryker) runs against every mutant of src/engine,
 * src/model and src/calibration: the engine, model and calibration-method unit tests. No CLI
 * subprocess tests (a mutant in src/ is not in dist/), and not the full calibration against every
 * reference (20 s per run; its method is tested on a small file in tests/calibration/method.test.ts).
 *
 * Stryker needs every test to pass on the unmutated code, and a test that already fails cannot
 * tell a mutant from the original: the tests that fail on today's engine (they state engine bugs,
 * see the README's "Mutation testing") are left out by name until they pass.
 */
const FAILING_TODAY = [
  "at batch 1, one more chip never lowers decode tokens/s per user",
  "aggregate throughput never falls as the batch grows when replicas share it unevenly",
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

export default defineConfig({
  test: {
    include: ["tests/engine/**/*.test.ts", "tests/model/**/*.test.ts", "tests/calibration/method.test.ts"],
    setupFiles: ["tests/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    testNamePattern: new RegExp(`^(?!.*(${FAILING_TODAY.map(escape).join("|")}))`),
  },
});
