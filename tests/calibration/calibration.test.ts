/**
 * Calibration as `calibrate` runs it today: one refit with leave-one-out (about 20 s on a shared
 * 2-core machine), run once for the file and shared. What the stored parameters and the README
 * say is tested in stored.test.ts against a report of the stored values.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { calibrate, loadReferences, TOLERANCE_PCT, type CalibrationReport } from "../../src/calibration/index.js";
import { nearBounds, predictCase, priorParams } from "../../src/calibration/calibrate.js";
import { REFERENCES_FILE } from "../../src/calibration/references.js";
import { fitLeastSquares, toFree, toValue } from "../../src/calibration/fit.js";
import { metricClass, type MetricClass } from "../../src/engine/bands.js";
import { getParam, PARAMETER_DEFS, paramValues, parameterSetFor, parameterSets, withParams, type ParameterSet, type Params } from "../../src/engine/parameters.js";
import { loadHardware } from "../../src/hardware/load.js";
import { loadModel } from "../../src/model/load.js";
import { prepareFrom } from "../../src/engine/predict.js";
import { issuesOf } from "../helpers.js";

let report: CalibrationReport;
beforeAll(() => {
  report = calibrate({ refit: true });
}, 300_000);

const { references } = loadReferences();
const setOf = (file: string): ParameterSet => parameterSets().find((p) => p.file === file)!;
/** fitted references per software stack, known before the calibration runs (test titles need them) */
const fittedPerStack = new Map<string, number>();
for (const r of references) if (r.fit) fittedPerStack.set(r.conditions.software, (fittedPerStack.get(r.conditions.software) ?? 0) + 1);
const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + Math.abs(x), 0) / xs.length;
const row = (id: string) => report.references.find((r) => r.id === id)!;

describe("references", () => {
  it("at least 15 fitted references spanning wafer and GPU, each with a source and the tolerance of its kind unless it states one", () => {
    const fitted = references.filter((r) => r.fit);
    expect(fitted.length).toBeGreaterThanOrEqual(15);
    expect(fitted.some((r) => r.conditions.hardware.startsWith("cerebras"))).toBe(true);
    expect(fitted.some((r) => r.conditions.hardware.startsWith("nvidia"))).toBe(true);
    const raw = (parse(readFileSync(REFERENCES_FILE, "utf8")) as { references: { id: string; tolerancePct?: number }[] }).references;
    for (const r of references) {
      expect(r.source.length, r.id).toBeGreaterThan(10);
      const stated = raw.find((x) => x.id === r.id)!.tolerancePct;
      // paper 10%, independent 15%, vendor 20%, derived and secondary 25% (models/references/README.md)
      expect(r.tolerancePct, r.id).toBe(stated ?? { paper: 10, independent: 15, vendor: 20, derived: 25, secondary: 25 }[r.kind]);
    }
  });

  it("every fitted reference is within its tolerance, or is a known miss that really misses, with its reason", () => {
    const outside: string[] = [];
    for (const r of report.references) {
      if (r.knownMiss) {
        // a known miss must really miss: once the model meets it, the annotation has to go
        expect(r.withinTolerance, `${r.id} is marked a known miss but is within tolerance`).toBe(false);
        expect(r.knownMiss.length, r.id).toBeGreaterThan(20);
      } else if (!r.withinTolerance) outside.push(`${r.id}: ${r.errorPct.toFixed(1)}% against ${r.tolerancePct}%`);
    }
    expect(outside).toEqual([]);
  });

  it("a reference inside its tolerance only because its kind's tolerance is wide says so: more than a paper's 10% off", () => {
    const flagged = report.references.filter((r) => r.onlyByWideTolerance);
    for (const r of flagged) {
      expect(r.withinTolerance, r.id).toBe(true);
      expect(Math.abs(r.errorPct), r.id).toBeGreaterThan(TOLERANCE_PCT.paper);
    }
    // a reference within a paper's 10% is never flagged
    for (const r of report.references.filter((x) => Math.abs(x.errorPct) <= TOLERANCE_PCT.paper)) expect(r.onlyByWideTolerance, r.id).toBe(false);
  });
});

describe("fit and leave-one-out, per parameter set and per metric", () => {
  it("each set's fit and leave-one-out MAPE are the means over its references' errors", () => {
    for (const s of report.sets.filter((x) => x.references.length > 0)) {
      const rows = s.references.map(row);
      expect(s.mapePct, s.id).toBeWithinRel(mean(rows.map((r) => r.errorPct)), 1e-12);
      expect(s.looMapePct, s.id).toBeWithinRel(mean(rows.map((r) => r.looErrorPct)), 1e-12);
    }
  });

  it("each set's metric classes (decode, prefill, throughput) split its references, each with its own MAPE", () => {
    const classes: MetricClass[] = ["decode", "prefill", "throughput"];
    for (const s of report.sets.filter((x) => x.references.length > 0)) {
      const rows = s.references.map(row);
      let n = 0;
      for (const cls of classes) {
        const mine = rows.filter((r) => metricClass(r.metric) === cls);
        const m = s.byMetric[cls];
        if (mine.length === 0) {
          expect(m, `${s.id} ${cls}`).toBeUndefined();
          continue;
        }
        expect(m!.references, `${s.id} ${cls}`).toBe(mine.length);
        expect(m!.mapePct).toBeWithinRel(mean(mine.map((r) => r.errorPct)), 1e-12);
        expect(m!.looMapePct).toBeWithinRel(mean(mine.map((r) => r.looErrorPct)), 1e-12);
        n += mine.length;
      }
      expect(n, s.id).toBe(s.references.length);
    }
  });

  it("meets the pooled fit target: MAPE at most 10%", () => {
    expect(report.mapePct).toBeLessThanOrEqual(10);
  });

  it("meets the pooled leave-one-out target: at most 15%", () => {
    expect(report.looMapePct).toBeLessThanOrEqual(15);
  });

  // Issue 11's targets: the default Cerebras stack, and every stack with five or more references.
  const defaultCerebras = parameterSetFor(loadHardware("cerebras-wse3")).software.id;
  const targets = [...new Set([defaultCerebras, ...[...fittedPerStack].filter(([, n]) => n >= 5).map(([s]) => s)])];
  it.each(targets)("%s: leave-one-out MAPE at most 12 percent (issue 11)", (id) => {
    const s = report.sets.find((x) => x.id === id)!;
    expect(s.looMapePct, `${id} over ${s.references.length} references`).toBeLessThanOrEqual(12);
  });

  it("error bands: the share of references inside their own leave-one-out band is the stated 80% within 10 points", () => {
    const fitted = report.references.filter((r) => r.fitted).length;
    expect(report.coverage.level).toBe(0.8);
    expect(report.coverage.references).toBeGreaterThan(fitted / 2);
    expect(report.coverage.references).toBeLessThanOrEqual(fitted);
    expect(Math.abs(report.coverage.share - report.coverage.level), `coverage ${(report.coverage.share * 100).toFixed(0)}%`).toBeLessThanOrEqual(0.1);
  });
});

describe("fitted parameters", () => {
  it("none sits within 2% of a bound of its physical range (a fit pressing on a bound hides missing physics)", () => {
    expect(report.sets.flatMap((s) => s.atBounds.map((b) => `${s.id}: ${b}`))).toEqual([]);
  });

  it("within 2% of a bound is detected at either end, linear and logarithmic ranges (nearBounds)", () => {
    const set = parameterSets().find((s) => s.kind === "gpu" && s.provenance.method === "fitted")!;
    // from the middle of every range, one parameter moved
    const mid = priorParams(set, paramValues(set));
    const at = (changes: Partial<Record<"memoryEfficiency" | "allReduceLatency", number>>, skip: string[] = []) => nearBounds(set, withParams(mid, changes), skip).map((x) => x.split(" ")[0]);
    expect(nearBounds(set, mid, [])).toEqual([]);
    // memoryEfficiency [0.3, 1], linear: 0.307 is 1% of the range from the lower bound, 0.99 1.4% from the upper
    expect(at({ memoryEfficiency: 0.307 })).toEqual(["memoryEfficiency"]);
    expect(at({ memoryEfficiency: 0.99 })).toEqual(["memoryEfficiency"]);
    expect(at({ memoryEfficiency: 0.32 })).toEqual([]);
    // allReduceLatency [1 us, 100 us], two decades, logarithmic: 1.05 us is ln 1.05 / ln 100 = 1.1% of the way
    expect(at({ allReduceLatency: 1.05e-6 })).toEqual(["allReduceLatency"]);
    expect(at({ allReduceLatency: 1.2e-6 })).toEqual([]);
    expect(at({ allReduceLatency: 1.05e-6 }, ["allReduceLatency"])).toEqual([]);
  });

  it("parameters of hardware scope take one value across the sets that share the chips (every wafer set shares the mesh)", () => {
    const hw = PARAMETER_DEFS.filter((d) => d.fitted && d.scope === "hardware");
    expect(hw.length).toBeGreaterThan(0);
    const wafers = report.sets.filter((s) => setOf(s.file).kind === "wafer");
    expect(wafers.length).toBeGreaterThanOrEqual(3);
    for (const d of hw.filter((x) => x.kind === "wafer")) expect(new Set(wafers.map((s) => s.values[d.name])).size, d.name).toBe(1);
    // GPU sets share a hardware id with one another (every GPU set lists the A100): one group
    const gpus = report.sets.filter((s) => setOf(s.file).kind === "gpu");
    for (const d of hw.filter((x) => x.kind === "gpu")) expect(new Set(gpus.map((s) => s.values[d.name])).size, d.name).toBe(1);
    // and software-scope parameters are fitted per stack: the wafer stacks do not share theirs
    expect(new Set(wafers.map((s) => s.values["sramEfficiency"])).size).toBe(wafers.length);
  });

  it("names the fitted parameters no reference of a set depends on: a set on one wafer cannot identify the wafer hand-off", () => {
    const waferllm = report.sets.find((s) => s.id === "waferllm")!;
    expect(waferllm.unidentified).toContain("waferLinkLatency");
    expect(waferllm.unidentified).not.toContain("hopLatency");
    // 70B on four wafers in the August 2024 set depends on it
    const aug = report.sets.find((s) => s.id === "cerebras-2024-08")!;
    expect(aug.unidentified).not.toContain("waferLinkLatency");
  });

  it("the stored values are today's fit (to the 4 significant digits they are stored with): run `wafersim calibrate --write` after changing the engine", () => {
    const stale: string[] = [];
    for (const s of report.sets) {
      const stored = setOf(s.file).values;
      for (const [name, v] of Object.entries(s.values)) {
        const was = stored[name as keyof typeof stored]!.value;
        if (Math.abs(was - v) > 1e-3 * Math.abs(v)) stale.push(`${s.id}.${name}: stored ${was.toPrecision(4)}, fit ${v.toPrecision(4)}`);
      }
    }
    expect(stale).toEqual([]);
  });

  it("are stored with provenance", () => {
    for (const set of parameterSets()) {
      expect(["fitted", "derived"]).toContain(set.provenance.method);
      expect(set.provenance.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const v of Object.values(set.values)) expect(v.source.length).toBeGreaterThan(10);
    }
  });

  it("seed figures: a Codex-Spark-class model on WSE-3 above 1,000 tok/s; a GPT-5-class model on GPUs faster than OpenAI's ~65 tok/s at batch 1 and slower at the largest batch", () => {
    const spark = report.checks.find((c) => c.id === "codex-spark-decode")!;
    expect(spark.predicted).toBeGreaterThan(1000);
    // "reachable": the check's own search then finds a batch near 65 tok/s; only its ends are asserted
    expect(report.checks.find((c) => c.id === "openai-gpu-baseline-speed")!.pass).toBe(true);
  });
});

describe("leave-one-out never sees the reference it predicts", () => {
  // Every fit starts from (and its ridge pulls towards) the middle of each range, which ignores the
  // stored, fitted values: scrambling them changes nothing.
  it("the prior is the middle of the ranges, whatever the stored values", () => {
    for (const set of parameterSets()) {
      const stored = paramValues(set);
      const scrambled = withParams(stored, Object.fromEntries(Object.entries(set.values).map(([k, v]) => [k, v.value * 1.7])));
      const a = priorParams(set, stored);
      const b = priorParams(set, scrambled);
      for (const d of PARAMETER_DEFS.filter((x) => x.kind === set.kind && x.fitted)) expect(getParam(b, d.name), `${set.software.id}.${d.name}`).toBe(getParam(a, d.name));
    }
  });

  // Behaviour: triple one reference's published figure. The fit that saw it moves (its prediction
  // and the other references' leave-one-out fits, which include it), but its own leave-one-out
  // prediction, from a fit without it, does not move at all. gpt-fast's 13 references: about 1 s.
  it("tripling a reference's published figure leaves its own leave-one-out prediction unchanged", () => {
    const raw = parse(readFileSync(REFERENCES_FILE, "utf8")) as { references: { id: string; published: number; conditions: { software: string } }[] };
    const subset = raw.references.filter((r) => r.conditions.software === "gpt-fast");
    const dir = mkdtempSync(join(tmpdir(), "wafersim-loo-"));
    const write = (refs: unknown[], name: string) => {
      const f = join(dir, name);
      writeFileSync(f, stringify({ references: refs, checks: [] }));
      return f;
    };
    const a = calibrate({ refit: true, file: write(subset, "a.yaml") });
    const b = calibrate({ refit: true, file: write(subset.map((r, i) => (i === 0 ? { ...r, published: r.published * 3 } : r)), "b.yaml") });
    const looPredicted = (r: { published: number; looErrorPct: number }) => r.published * (1 + r.looErrorPct / 100);
    const [x, y] = [a.references[0]!, b.references[0]!];
    expect(y.id).toBe(x.id);
    expect(looPredicted(y)).toBeWithinRel(looPredicted(x), 1e-9);
    // the full fit saw the change, and so did the other references' leave-one-out fits
    expect(Math.abs(y.predicted / x.predicted - 1)).toBeGreaterThan(0.05);
    expect(Math.abs(looPredicted(b.references[1]!) / looPredicted(a.references[1]!) - 1)).toBeGreaterThan(0.01);
  });

  it("predicting a reference does not read its published value", () => {
    const r = references.find((x) => x.id === "cerebras-llama31-70b-2024-08")!;
    const prepared = prepareFrom(loadModel(r.conditions.model), loadHardware(r.conditions.hardware), { software: r.conditions.software, chips: 4 });
    const a = predictCase({ ref: r, prepared }, prepared.params as Params);
    const b = predictCase({ ref: { ...r, published: r.published * 1000 }, prepared }, prepared.params as Params);
    expect(b).toBe(a);
  });
});

describe("the fitter", () => {
  it("maps parameters into their bounds and back", () => {
    for (const b of [{ lo: 0.5e-9, hi: 50e-9 }, { lo: 0, hi: 1 }, { lo: 0.3, hi: 1 }]) {
      for (const x of [b.lo + (b.hi - b.lo) * 0.1, (b.lo + b.hi) / 2]) expect(toValue(b, toFree(b, x))).toBeWithinRel(x, 1e-6);
      expect(toValue(b, 50)).toBeLessThanOrEqual(b.hi);
      expect(toValue(b, -50)).toBeGreaterThanOrEqual(b.lo);
    }
  });

  it("recovers known parameters of a synthetic problem (y = a x + b on log error)", () => {
    // data made from a = 3, b = 0.5; start from a = 1, b = 0.1
    const xs = [1, 2, 4, 8, 16];
    const ys = xs.map((x) => 3 * x + 0.5);
    const fit = fitLeastSquares(([a, b]) => xs.map((x, i) => Math.log((a! * x + b!) / ys[i]!)), [1, 0.1], [{ lo: 0.1, hi: 100 }, { lo: 0, hi: 10 }], { ridge: 0 });
    expect(fit.values[0]).toBeWithinRel(3, 1e-3);
    expect(fit.values[1]).toBeWithinRel(0.5, 1e-2);
  });
});

describe("a reference whose conditions the engine refuses", () => {
  it("is reported against the references file and the reference's condition, not a command-line flag", () => {
    const f = join(mkdtempSync(join(tmpdir(), "wafersim-refs-")), "figures.yaml");
    writeFileSync(f, [
      "references:",
      "  - {id: gpu-with-grid, metric: decode.tokensPerSecondPerUser, published: 100, kind: paper, date: 2025-07, source: test, conditions: {model: llama-3.1-8b, hardware: nvidia-h100-sxm, software: tensorrt-llm, batch: 1, promptTokens: 10, outputTokens: 10, coresPerLayer: 100}, fit: true}",
      "checks: []",
      "",
    ].join("\n"));
    const issues = issuesOf(() => calibrate({ refit: false, file: f }));
    expect(issues[0]!.file).toBe(f);
    expect(issues[0]!.path).toBe("gpu-with-grid.conditions.coresPerLayer");
    expect(issues[0]!.got).toBe("100");
  });
});
