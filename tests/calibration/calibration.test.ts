import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { accuracyMarkdown, calibrate, loadReferences, readmeAccuracyBlock, type CalibrationReport } from "../../src/calibration/index.js";
import { predictCase, priorParams } from "../../src/calibration/calibrate.js";
import { fitLeastSquares, toFree, toValue } from "../../src/calibration/fit.js";
import { PARAMETER_DEFS, parameterSets } from "../../src/engine/parameters.js";
import { loadHardware } from "../../src/hardware/load.js";
import { loadModel } from "../../src/model/load.js";
import { prepareFrom } from "../../src/engine/predict.js";
import { ROOT } from "../helpers.js";

let stored: CalibrationReport;
let refit: CalibrationReport;
// Two calibrations with leave-one-out joint fits: seconds each, not a unit test's milliseconds.
beforeAll(() => {
  stored = calibrate({ refit: false });
  refit = calibrate({ refit: true });
}, 300_000);

describe("references", () => {
  it("at least 15 fitted references spanning wafer and GPU, each with a source and a justified tolerance", () => {
    const { references } = loadReferences();
    const fitted = references.filter((r) => r.fit);
    expect(fitted.length).toBeGreaterThanOrEqual(15);
    expect(fitted.some((r) => r.conditions.hardware.startsWith("cerebras"))).toBe(true);
    expect(fitted.some((r) => r.conditions.hardware.startsWith("nvidia"))).toBe(true);
    for (const r of references) {
      expect(r.source.length, r.id).toBeGreaterThan(10);
      expect(r.tolerancePct, r.id).toBeGreaterThan(0);
    }
  });

  it("every reference is within its tolerance, or is a visible known miss with its reason", () => {
    for (const r of stored.references) {
      if (r.knownMiss) {
        // a known miss must really miss: once the model meets it, the annotation has to go
        expect(r.withinTolerance, `${r.id} is marked a known miss but is within tolerance`).toBe(false);
        expect(r.knownMiss.length).toBeGreaterThan(20);
      } else {
        expect(Math.abs(r.errorPct), `${r.id}: ${r.errorPct.toFixed(1)}% against ${r.tolerancePct}%`).toBeLessThanOrEqual(r.tolerancePct);
      }
    }
  });

  it("meets the fit target: MAPE at most 10%", () => {
    expect(refit.mapePct).toBeLessThanOrEqual(10);
  });

  // Met since WaferLLM's grid-by-grid figures and one hop latency per chip (2026-11-25: 9.5% over
  // 45 references; it was 18.8% over 23 with every parameter per stack).
  it("meets the leave-one-out target: at most 15%", () => {
    expect(refit.looMapePct).toBeLessThanOrEqual(15);
  });

  it("parameters of hardware scope take one value across the stacks on the same chips, and only there", () => {
    const setOf = (file: string) => parameterSets().find((p) => p.file === file)!;
    const hw = PARAMETER_DEFS.filter((x) => x.fitted && x.scope === "hardware");
    const wse3 = refit.sets.filter((s) => setOf(s.file).hardware.includes("cerebras-wse3"));
    const wse2 = refit.sets.find((s) => setOf(s.file).hardware.includes("cerebras-wse2"))!;
    const gpus = refit.sets.filter((s) => setOf(s.file).kind === "gpu");
    expect(wse3.length).toBeGreaterThanOrEqual(2);
    for (const d of hw.filter((x) => x.kind === "wafer")) expect(new Set(wse3.map((s) => s.values[d.name])).size, d.name).toBe(1);
    for (const d of hw.filter((x) => x.kind === "gpu")) expect(new Set(gpus.map((s) => s.values[d.name])).size, d.name).toBe(1);
    // WSE-2 and WSE-3 are different chips: their hop latencies are fitted apart
    expect(wse2.values["hopLatency"]).not.toBe(wse3[0]!.values["hopLatency"]);
  });

  it("names the fitted parameters no reference of a set depends on, and a set on one wafer cannot identify the wafer hand-off", () => {
    const waferllm = refit.sets.find((s) => s.id === "waferllm")!;
    expect(waferllm.unidentified).toContain("waferLinkLatency");
    expect(waferllm.unidentified).not.toContain("hopLatency");
    const aug = refit.sets.find((s) => s.id === "cerebras-2024-08")!;
    expect(aug.unidentified).not.toContain("waferLinkLatency");
  });

  it("leave-one-out never starts from a fit that saw the left-out reference", () => {
    // Every fit starts from (and its ridge pulls towards) the prior, which ignores the stored,
    // fitted values of the parameters it fits: scrambling them changes nothing.
    for (const set of parameterSets()) {
      const stored = Object.fromEntries(Object.entries(set.values).map(([k, v]) => [k, v.value]));
      const scrambled = Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, v * 1.7]));
      const a = priorParams(set, stored);
      const b = priorParams(set, scrambled);
      for (const d of PARAMETER_DEFS.filter((x) => x.kind === set.kind && x.fitted)) expect(b[d.name], `${set.software.id}.${d.name}`).toBe(a[d.name]);
    }
  });

  it("the stored parameters are the fit: refitting does not improve them materially", () => {
    expect(stored.mapePct).toBeLessThanOrEqual(refit.mapePct + 0.5);
  });

  it("seed figures: a Codex-Spark-class model on WSE-3 above 1,000 tok/s; a GPT-5-class model on GPUs reaches ~65 tok/s", () => {
    const spark = stored.checks.find((c) => c.id === "codex-spark-decode")!;
    expect(spark.pass).toBe(true);
    expect(spark.predicted).toBeGreaterThan(1000);
    const gpu = stored.checks.find((c) => c.id === "openai-gpu-baseline-speed")!;
    expect(gpu.pass, gpu.detail).toBe(true);
    expect(gpu.predicted).toBeWithinRel(65, 0.1);
  });
});

describe("fitted parameters", () => {
  it("stay inside their physical bounds, stored and freshly fitted", () => {
    for (const set of parameterSets()) {
      for (const [name, v] of Object.entries(set.values)) {
        const def = PARAMETER_DEFS.find((d) => d.name === name && d.kind === set.kind)!;
        expect(v.value, `${set.software.id}.${name}`).toBeGreaterThanOrEqual(def.bounds[0]);
        expect(v.value, `${set.software.id}.${name}`).toBeLessThanOrEqual(def.bounds[1]);
      }
    }
    for (const s of refit.sets) {
      for (const [name, v] of Object.entries(s.values)) {
        const def = PARAMETER_DEFS.find((d) => d.name === name)!;
        expect(v).toBeGreaterThanOrEqual(def.bounds[0]);
        expect(v).toBeLessThanOrEqual(def.bounds[1]);
      }
    }
  });

  it("are stored with provenance", () => {
    for (const set of parameterSets()) {
      expect(["fitted", "derived"]).toContain(set.provenance.method);
      expect(set.provenance.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const v of Object.values(set.values)) expect(v.source.length).toBeGreaterThan(10);
    }
  });

  it("predicting a reference does not read its published value", () => {
    const { references } = loadReferences();
    const r = references.find((x) => x.id === "cerebras-llama31-70b-2024-08")!;
    const prepared = prepareFrom(loadModel(r.conditions.model), loadHardware(r.conditions.hardware), { software: r.conditions.software, chips: 4 });
    const a = predictCase({ ref: r, prepared }, prepared.params);
    const b = predictCase({ ref: { ...r, published: r.published * 1000 }, prepared }, prepared.params);
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

describe("README accuracy section", () => {
  it("is the generated table for the stored parameters, not hand-typed", () => {
    const block = readmeAccuracyBlock(readFileSync(`${ROOT}README.md`, "utf8"));
    expect(block, "README.md has no accuracy block: run `wafersim calibrate --write`").toBeDefined();
    expect(block).toBe(accuracyMarkdown(stored));
  });
});

describe("a reference whose conditions the engine refuses", () => {
  it("is reported against the references file and the reference's condition, not a command-line flag", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { issuesOf } = await import("../helpers.js");
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
