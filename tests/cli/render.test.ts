import { describe, expect, it } from "vitest";
import { predict, type Prediction } from "../../src/index.js";
import { renderComparison } from "../../src/cli/compare.js";
import { renderPrediction, reportWarnings, warningLines } from "../../src/cli/predict.js";
import { renderSweepTable, sweepWarnings } from "../../src/cli/run.js";
import { renderTable } from "../../src/cli/table.js";
import { loadScenario } from "../../src/scenario/load.js";
import { makePlan } from "../../src/scenario/plan.js";
import { cli } from "../helpers.js";

/** A real prediction with a constructed band and warnings (the engine fills both later). */
function withExtras(p: Prediction): Prediction {
  return {
    ...p,
    decode: { ...p.decode, tokensPerSecondPerUser: 1780 },
    ttftSeconds: 0.0293,
    uncertainty: {
      "decode.tokensPerSecondPerUser": { low: 1510, high: 2050, basis: "leave-one-out errors of 9 references", assumed: ["collectiveSync"] },
      ttftSeconds: { low: 0.0251, high: 0.0352, basis: "leave-one-out errors of 9 references", assumed: [] },
    },
    warnings: [
      { code: "speculation-slower", message: "speculative decoding is slower than none here" },
      { code: "no-native-format", message: "fp8 has no native support on nvidia-a100-80gb; weight-only kernels assumed" },
    ],
  };
}

// a prediction without bands (the engine fills them; these tests set their own)
const base: Prediction = { ...predict({ model: "llama-3.1-70b", hardware: "cerebras-wse3" }), uncertainty: {} };

describe("bands beside the values", () => {
  it("predict's table: 1,780 tok/s (1,510-2,050), a time band in the value's unit, and what the band rests on", () => {
    const t = renderPrediction(withExtras(base));
    expect(t).toMatch(/decode speed per user\s+1,780 tok\/s \(1,510-2,050\)/);
    expect(t).toMatch(/time to first token\s+29\.3 ms \(25\.1-35\.2\)/);
    expect(t).toMatch(/bands \(low-high\): leave-one-out errors of 9 references; assumed, no reference identifies them: collectiveSync/);
    // no band, no brackets
    expect(renderPrediction(base)).not.toMatch(/tok\/s \(/);
  });

  it("compare's table", () => {
    const t = renderComparison("title", [withExtras(base), base]);
    expect(t).toMatch(/4 x cerebras-wse3\s+cerebras-2024-10\s+1,780 \(1,510-2,050\)/);
  });

  it("run's sweep table, from each point's full prediction", async () => {
    const plan = await makePlan(loadScenario("context-8k-128k"));
    const points = [0, 1].map((i) => plan.point(i));
    const t = renderSweepTable(plan, points, (i) => (i === 1 ? { "decode.tokensPerSecondPerUser": { low: 1000, high: 3000, basis: "b", assumed: [] } } : undefined));
    const lines = t.split("\n");
    expect(lines[2]).not.toMatch(/\(1,000-3,000\)/);
    expect(lines[3]).toMatch(/\(1,000-3,000\)/);
  });
});

describe("warnings", () => {
  it("one line each, naming the code, on the writer given (stderr in the CLI); JSON keeps them", () => {
    const p = withExtras(base);
    const got: string[] = [];
    reportWarnings(p.warnings, "4 x cerebras-wse3", (s) => got.push(s));
    expect(got).toEqual([
      "warning: 4 x cerebras-wse3: speculative decoding is slower than none here [speculation-slower]\n",
      "warning: 4 x cerebras-wse3: fp8 has no native support on nvidia-a100-80gb; weight-only kernels assumed [no-native-format]\n",
    ]);
    expect(JSON.parse(JSON.stringify(p)).warnings).toHaveLength(2);
    expect(warningLines([])).toEqual([]);
  });

  it("a sweep's warnings: each once, with the points it came from", () => {
    const w = { code: "c", message: "m" };
    expect(sweepWarnings([{ where: "batch 1", warnings: [w] }, { where: "batch 2", warnings: [w] }, { where: "batch 4", warnings: [] }])).toEqual(["warning: m [c] (2 points, first batch 1)"]);
  });

  it("the CLI prints none today (the engine fills them later) and keeps warnings in JSON", () => {
    const r = cli(["predict", "--model", "llama-3.1-8b", "--hardware", "nvidia-h100-sxm", "--json"]);
    expect(JSON.parse(r.stdout).warnings).toEqual([]);
    expect(r.stderr).toBe("");
  });
});

describe("honest labels", () => {
  it("predict --stack: the per-token parts add up to the headline time per output token", () => {
    const r = cli(["predict", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3", "--stack", "http-legacy"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/decode speed per user \(model \+ http-legacy's per-token overhead\)/);
    const toSeconds = (t: string) => {
      const m = /^([\d.,]+) (ns|us|ms|s)$/.exec(t.trim());
      if (!m) return 0; // "0"
      return Number(m[1]!.replace(/,/g, "")) * { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1 }[m[2] as "ns"];
    };
    // the headline value, before its band in brackets
    const headline = toSeconds(/time per output token \(model \+ http-legacy's per-token overhead\)\s+(.+?)(?: \(.*\))?$/m.exec(r.stdout)![1]!);
    const section = r.stdout.split("where one output token's time goes")[1]!.split("\n\n")[0]!;
    const rows = section.split("\n").slice(3).filter((l) => l.trim() !== "" && !l.startsWith("time per output token"));
    expect(rows.some((l) => /serving stack http-legacy: per-token overhead\s+357 us/.test(l))).toBe(true);
    const sum = rows.map((l) => toSeconds(/\s(\S+ (?:ns|us|ms|s)|0)\s+[\d.]+%?$/.exec(l)![1]!)).reduce((a, b) => a + b, 0);
    // each part is printed to 3 significant digits: the sum is within half a unit of the last digit per part
    expect(sum).toBeWithinRel(headline, 0.005 * rows.length);
    // the shares add up to 100% within rounding
    const shares = rows.map((l) => Number(/([\d.]+)%$/.exec(l)?.[1] ?? 0));
    expect(shares.reduce((a, b) => a + b, 0)).toBeGreaterThan(99.5);
    expect(shares.reduce((a, b) => a + b, 0)).toBeLessThan(100.5);
  });

  it("a zero prints as 0 (websocket has no per-request session start-up)", () => {
    const r = cli(["predict", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3", "--stack", "websocket"]);
    expect(r.stdout).toMatch(/^session start-up\s+0\s+0$/m);
    expect(r.stdout).not.toMatch(/\b0 ns\b|\b0\.0%/);
  });
});

describe("tables", () => {
  it("a table wider than 120 columns wraps text and then cuts blocks that repeat the first column", () => {
    const headers = ["id", ...Array.from({ length: 12 }, (_, i) => `metric number ${i}`), "note"];
    const rows = [["row-a", ...Array.from({ length: 12 }, (_, i) => String(1000 * i)), "a long note that says a great many words about why this row is as it is"]];
    const t = renderTable(headers, rows, headers.map((_, i) => i > 0 && i < headers.length - 1), 120);
    for (const line of t.split("\n")) expect(line.length).toBeLessThanOrEqual(120);
    for (const h of headers) expect(t).toContain(h);
    expect(t.split("\n").filter((l) => l.startsWith("row-a")).length).toBeGreaterThan(1);
    expect(t.replace(/\s+/g, " ")).toContain("a long note that says a great many words");
  });
});
