/**
 * Calibration against every published reference, as `wafersim calibrate` runs it: one refit with
 * leave-one-out (about 20 s on a shared 2-core machine), run once for this file and shared. The
 * method on small inputs is method.test.ts; the README's generated section is readme.test.ts.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { calibrate, loadReferences, TOLERANCE_PCT, type CalibrationReport } from "../../src/calibration/index.js";
import { REFERENCES_FILE } from "../../src/calibration/references.js";
import { PARAMETER_DEFS, parameterSetFor, parameterSets, type ParameterSet } from "../../src/engine/parameters.js";
import { loadHardware } from "../../src/hardware/load.js";

let report: CalibrationReport;
beforeAll(() => {
  report = calibrate({ refit: true });
}, 300_000);

/**
 * Issue 11's targets that the model does not meet today, each with the evidence (README, "Known
 * gaps"). These are not passes: each test below fails if a gap widens (a regression), and fails
 * too once the gap closes, so that the entry is removed and the target itself is tested again.
 */
const OPEN_GAPS = {
  /** leave-one-out MAPE: the target is 12%; the model stays at most `atMost` until the gap closes */
  leaveOneOut: {
    "cerebras-2024-10": { atMost: 21, why: "DeepSeek-R1-distilled and Llama 3.1 70B share architecture and stack at 1,500 and 2,100 tok/s; gpt-oss-120b alone pins the per-step overhead" },
  } as Record<string, { atMost: number; why: string }>,
  /** parameters the fit presses within 2% of a bound of their physical range: missing physics */
  atBounds: ["cerebras-2024-10: sramEfficiency"],
  /** fitted references outside their tolerance */
  outsideTolerance: [] as string[],
};

const { references } = loadReferences();
const setOf = (file: string): ParameterSet => parameterSets().find((p) => p.file === file)!;
/** fitted references per software stack, known before the calibration runs (test titles need them) */
const fittedPerStack = new Map<string, number>();
for (const r of references) if (r.fit) fittedPerStack.set(r.conditions.software, (fittedPerStack.get(r.conditions.software) ?? 0) + 1);

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
      } else if (!r.withinTolerance) outside.push(r.id);
    }
    expect(outside).toEqual(OPEN_GAPS.outsideTolerance);
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

describe("targets", () => {
  it("meets the pooled fit target: MAPE at most 10%", () => {
    expect(report.mapePct).toBeLessThanOrEqual(10);
  });

  it("meets the pooled leave-one-out target: at most 15%", () => {
    expect(report.looMapePct).toBeLessThanOrEqual(15);
  });

  // Issue 11's targets: the default Cerebras stack, and every stack with five or more references.
  const defaultCerebras = parameterSetFor(loadHardware("cerebras-wse3")).software.id;
  const targets = [...new Set([defaultCerebras, ...[...fittedPerStack].filter(([, n]) => n >= 5).map(([s]) => s)])];
  it.each(targets)("%s: leave-one-out MAPE at most 12 percent (issue 11), or no worse than its open gap", (id) => {
    const s = report.sets.find((x) => x.id === id)!;
    const gap = OPEN_GAPS.leaveOneOut[id];
    if (!gap) {
      expect(s.looMapePct, `${id} over ${s.references.length} references`).toBeLessThanOrEqual(12);
      return;
    }
    expect(s.looMapePct, `${id}: an open gap (${gap.why}) that widened`).toBeLessThanOrEqual(gap.atMost);
    expect(s.looMapePct, `${id} now meets the 12% target: remove it from OPEN_GAPS`).toBeGreaterThan(12);
  });

  // TensorRT-LLM v0.9's TP8 prefill (2,048 tokens of 70B: 160 all-reduces of 34 MB) ran 24% slower than
  // the NVLink rate explains: an all-reduce's transfer achieves part of the link (its bus bandwidth)
  it("tensorrt-llm's tensor-parallel prefills pin the all-reduce's share of the NVLink rate, inside its range", () => {
    const s = report.sets.find((x) => x.id === "tensorrt-llm")!;
    expect(s.unidentified).not.toContain("allReduceEfficiency");
    const v = s.values.allReduceEfficiency!;
    const def = PARAMETER_DEFS.find((d) => d.name === "allReduceEfficiency")!;
    expect(v).toBeGreaterThan(def.bounds[0] * 1.02);
    expect(v).toBeLessThan(def.bounds[1] * 0.98);
    const tp8 = report.references.find((r) => r.id === "trtllm09-h100-llama2-70b-tp8-prefill-2048")!;
    expect(tp8.withinTolerance).toBe(true);
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
    // only the open gaps, named: a new one fails, and so does one that has left its bound
    expect(report.sets.flatMap((s) => s.atBounds.map((b) => `${s.id}: ${b.split(" ")[0]}`))).toEqual(OPEN_GAPS.atBounds);
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
