import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BOUNDS, M, METRICS } from "../../src/scenario/fast.js";
import { loadScenario } from "../../src/scenario/load.js";
import { begin, body, end, layoutOf, type SweepMeta } from "../../src/scenario/output.js";
import type { Plan } from "../../src/scenario/plan.js";
import { cli, issuesOf, ROOT } from "../helpers.js";

// Issue 13, "Work bounded before it starts" and "Results are numbers". These run the built CLI (dist/).
const d = mkdtempSync(join(tmpdir(), "wafersim-bounds-"));
function file(name: string, text: string): string {
  const f = join(d, name);
  writeFileSync(f, text);
  return f;
}
const BASE = "model: llama-3.1-8b\nhardware: cerebras-wse3\n";

describe("a sweep's points are counted before anything is built, and refused above the limit", () => {
  const huge = file("steps-1e12.yaml", `${BASE}sweep:\n  promptTokens: {from: 1024, to: 32768, steps: 1e12}\n`);
  const cube = file("cube-1e9.yaml", `${BASE}sweep:\n  batch: {from: 1, to: 1000, steps: 1000}\n  promptTokens: {from: 1024, to: 32768, steps: 1000}\n  outputTokens: {from: 1, to: 1000, steps: 1000}\n`);

  it("steps: 1e12 (it aborted V8) and 1e8 (4.8 GB): exit 2 with the count, in the library too", () => {
    let r = cli(["sweep", huge]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${huge}: sweep.promptTokens: too many points: sweep.promptTokens alone has 1,000,000,000,000 values, got 1,000,000,000,000 points, expected at most 10,000,000`);
    expect(r.stderr).toContain("--max-points");
    const e8 = file("steps-1e8.yaml", `${BASE}sweep:\n  batch: {from: 1, to: 1e8, steps: 1e8}\n`);
    r = cli(["sweep", e8, "--out", join(d, "e8.csv")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("got 100,000,000 points");
    expect(issuesOf(() => loadScenario(huge))[0]).toMatchObject({ path: "sweep.promptTokens", got: "1,000,000,000,000 points" });
  });

  it.each([
    ["sweep", []], ["run", []], ["run", ["--json"]], ["chart", ["--out", join(d, "charts")]],
    ["solve", ["--vary", "batch", "--target", "decode.tokensPerSecondPerUser>=1000"]],
  ])("a 1e9-point cartesian sweep: %s %s refuses it (one shared check)", (command, extra) => {
    const r = cli([command, cube, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("too many points: 1,000 (batch) x 1,000 (promptTokens) x 1,000 (outputTokens), got 1,000,000,000 points, expected at most 10,000,000");
  });

  it("zip axes of 1e9 steps count once each, and are refused", () => {
    const zip = file("zip-1e9.yaml", `${BASE}zip: true\nsweep:\n  batch: {from: 1, to: 1e9, steps: 1e9}\n  promptTokens: {from: 1024, to: 1e9, steps: 1e9}\n`);
    const r = cli(["sweep", zip]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("got 1,000,000,000 points");
    // zipped, 2 x 3 values are 3 points (they advance together), not 9
    const z3 = file("zip-3.yaml", `${BASE}zip: true\nsweep:\n  batch: [1, 2, 4]\n  promptTokens: [1024, 2048, 4096]\n`);
    expect(cli(["sweep", z3, "--max-points", "3"]).code).toBe(0);
  });

  it("--max-points raises (or lowers) the limit: 2 x 3 = 6 points", () => {
    const six = file("six.yaml", `${BASE}sweep:\n  batch: [1, 2]\n  promptTokens: [1024, 2048, 4096]\n`);
    const r = cli(["sweep", six, "--max-points", "5"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("too many points: 2 (batch) x 3 (promptTokens), got 6 points, expected at most 5");
    expect(cli(["sweep", six, "--max-points", "6"]).code).toBe(0);
  });
});

describe("memory stays bounded when every point is its own deployment", () => {
  it("60,000 hardware what-ifs sweep in a 128 MB heap (each deployment was kept: 7 KB each)", () => {
    const f = file("deployments.yaml", "model: llama-3.1-8b\nhardware: nvidia-h100-sxm\nsweep:\n  hardware.memory.capacity: {from: 80 GB, to: 160 GB, steps: 60000}\n");
    const r = spawnSync(process.execPath, ["--max-old-space-size=128", join(ROOT, "bin/wafersim.js"), "sweep", f, "--out", "/dev/null", "--workers", "1", "--columns", "decode.tokensPerSecondPerUser"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("--workers above the cores is capped, with a note", () => {
  it("--workers 200 runs on the machine's cores and writes what one worker writes", () => {
    const f = file("w.yaml", `${BASE}sweep:\n  batch: {from: 1, to: 64, steps: 64}\n  promptTokens: {from: 1024, to: 8192, steps: 40}\n`);
    const one = join(d, "one.csv");
    const many = join(d, "many.csv");
    expect(cli(["sweep", f, "--out", one, "--workers", "1"]).code).toBe(0);
    const r = cli(["sweep", f, "--out", many, "--workers", "200"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^wafersim: --workers 200 capped at \d+, the cores of this machine\n$/);
    expect(readFileSync(many, "utf8")).toBe(readFileSync(one, "utf8"));
  });
});

/**
 * A stand-in plan of two points on one axis whose first point has an infinite speed and a NaN
 * time to first token (as a bandwidth of 1e-300 B/s gave): what the writers do with values
 * that are not finite, whatever the engine produces.
 */
function infinitePlan(): Plan {
  const out = new Float64Array(METRICS.length);
  const idx = new Int32Array(1);
  return {
    kind: "prediction", metrics: METRICS, axes: [{ key: "batch" }], out, currentIndices: idx,
    cells: [[1, 2]], csvCells: [["1,", "2,"]], jsonCells: [['"batch":1,', '"batch":2,']],
    evaluateInto(i: number): string {
      idx[0] = i;
      out.fill(2);
      out[M.bound] = BOUNDS.indexOf("memory");
      out[M.fits] = 1;
      if (i === 0) { out[M.tps] = Infinity; out[M.ttft] = NaN; }
      return "";
    },
  } as unknown as Plan;
}

const META: SweepMeta = { wafersim: "test", scenario: "t.yaml", scenarioHash: "sha256:0", models: [], hardware: [], parameterSets: [], columns: [], points: 2 };

describe("results are numbers: never a bare Infinity or NaN in JSON or CSV", () => {
  it("JSON: null, and the note names the columns; the file parses", () => {
    const plan = infinitePlan();
    const layout = layoutOf(plan, "json");
    const text = begin(layout, META) + body(plan, layout, 0, 2) + end(layout, 2);
    expect(text).not.toMatch(/Infinity|NaN/);
    const rows = JSON.parse(text).points as Record<string, unknown>[];
    expect(rows[0]!["decode.tokensPerSecondPerUser"]).toBeNull();
    expect(rows[0]!["ttftSeconds"]).toBeNull();
    expect(rows[0]!["note"]).toBe("not finite, written as null: decode.tokensPerSecondPerUser (infinite), ttftSeconds (not a number)");
    expect(rows[1]!["decode.tokensPerSecondPerUser"]).toBe(2);
    expect(rows[1]!["note"]).toBe("");
  });

  it("CSV and JSON lines: empty cells and null", () => {
    const plan = infinitePlan();
    const csv = body(plan, layoutOf(plan, "csv"), 0, 1);
    expect(csv.split(",")[1 + M.tps]).toBe("");
    expect(csv).toContain("\"not finite, written as null: decode.tokensPerSecondPerUser (infinite), ttftSeconds (not a number)\"");
    const jsonl = JSON.parse(body(plan, layoutOf(plan, "jsonl"), 0, 1));
    expect(jsonl["decode.tokensPerSecondPerUser"]).toBeNull();
  });
});
