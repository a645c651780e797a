import { expect } from "vitest";

/** Relative-tolerance matcher: vitest's toBeCloseTo is absolute and useless at 1e15. */
expect.extend({
  toBeWithinRel(received: number, expected: number, rel: number) {
    const err = Math.abs(received - expected) / Math.abs(expected);
    return {
      pass: err <= rel,
      message: () => `expected ${received} to be within ${(rel * 100).toFixed(3)}% of ${expected} (off by ${(err * 100).toFixed(3)}%)`,
    };
  },
});

declare module "vitest" {
  interface Assertion<T = any> {
    toBeWithinRel(expected: number, rel: number): T;
  }
  interface AsymmetricMatchersContaining {
    toBeWithinRel(expected: number, rel: number): unknown;
  }
}
