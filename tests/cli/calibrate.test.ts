import { describe, expect, it } from "vitest";
import { cli } from "../helpers.js";

describe("wafersim calibrate", () => {
  it("--json keeps the contract's shape", () => {
    const r = cli(["calibrate", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { references: { id: string; published: number; predicted: number; errorPct: number; looErrorPct: number }[]; mapePct: number; looMapePct: number };
    expect(j.references.length).toBeGreaterThanOrEqual(15);
    for (const ref of j.references) {
      expect(Object.keys(ref)).toEqual(expect.arrayContaining(["id", "published", "predicted", "errorPct", "looErrorPct"]));
      // errorPct is (predicted - published) / published
      expect(ref.errorPct).toBeCloseTo((100 * (ref.predicted - ref.published)) / ref.published, 6);
    }
    expect(typeof j.mapePct).toBe("number");
    expect(typeof j.looMapePct).toBe("number");
  });

  it("prints a table with the leave-one-out MAPE and writes nothing without --write", () => {
    const r = cli(["calibrate"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/leave-one-out MAPE [\d.]+%/);
    expect(r.stdout).toMatch(/nothing written/);
  });
});
