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

describe("wafersim calibrate's table", () => {
  it("gives every value its unit and every column a header, within 120 columns", () => {
    const r = cli(["calibrate"]);
    const lines = r.stdout.split("\n");
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(120);
    const rules = lines.map((l, i) => [l, i] as const).filter(([l]) => /^-+( +-+)*$/.test(l));
    expect(rules.length).toBeGreaterThan(0);
    for (const [rule, i] of rules) {
      // every column under a rule has a header word over it
      const header = lines[i - 1]!;
      let col = 0;
      for (const dash of rule.split(/ {2}/)) {
        expect(header.slice(col, col + dash.length).trim(), `column at ${col}`).not.toBe("");
        col += dash.length + 2;
      }
    }
    // published and predicted figures carry units: tok/s for decode, a time unit for prefill
    expect(r.stdout).toMatch(/cerebras-llama31-70b-2024-10\s+cerebras-2024-10\s+decode\s+2,100 tok\/s\s+[\d,]+ tok\/s/);
    expect(r.stdout).toMatch(/waferllm-wse2-llama3-8b-prefill-480\s+waferllm\s+prefill\s+202 ms\s+[\d.]+ ms/);
  });
});
