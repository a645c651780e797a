/**
 * What calibration writes and reads around the fit: the references file's checks, the README's
 * accuracy section, stored parameter sets. Written against small hand-made inputs, with the
 * exact text they must give; nothing here runs a calibration.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CalibrationReport, ReferenceResult, SetResult } from "../../src/calibration/calibrate.js";
import { loadReferences } from "../../src/calibration/references.js";
import { accuracyMarkdown, parametersAtBounds } from "../../src/calibration/report.js";
import { formatParameter, readmeAccuracyBlock, writeSet } from "../../src/calibration/write.js";
import { loadParameterSet } from "../../src/engine/parameters.js";
import { issuesOf, ROOT } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "wafersim-report-"));
let n = 0;
const figures = (text: string) => {
  const f = join(dir, `figures-${n++}.yaml`);
  writeFileSync(f, text);
  return f;
};
const cond = "{model: llama-3.1-8b, hardware: nvidia-h100-sxm, software: tensorrt-llm, batch: 1, promptTokens: 10, outputTokens: 10}";
const ref = (id: string, extra = "", conditions = cond) => `  - {id: ${id}, metric: decode.tokensPerSecondPerUser, published: 100, kind: paper, date: 2025-01, source: test, conditions: ${conditions}, fit: true${extra}}\n`;

describe("the references file", () => {
  it("tolerances come from the kind of figure unless a reference states its own", () => {
    const f = figures(`references:\n${ref("a")}${ref("b", ", tolerancePct: 33")}${ref("c").replace("kind: paper", "kind: vendor")}${ref("d").replace("kind: paper", "kind: independent")}${ref("e").replace("kind: paper", "kind: derived")}checks: []\n`);
    expect(loadReferences(f).references.map((r) => [r.id, r.tolerancePct])).toEqual([["a", 10], ["b", 33], ["c", 20], ["d", 15], ["e", 25]]);
  });

  it("ids are unique across references and checks", () => {
    const f = figures(`references:\n${ref("a")}checks:\n  - {id: a, metric: decode.tokensPerSecondPerUser, published: 1, kind: paper, date: 2025-01, source: test, conditions: ${cond}, op: ">"}\n`);
    expect(issuesOf(() => loadReferences(f))[0]).toMatchObject({ path: "references", problem: "duplicate id", got: "a", expected: "unique ids" });
    const ok = figures(`references:\n${ref("a")}`);
    expect(loadReferences(ok).checks).toEqual([]);
  });

  it.each([
    ["stack", undefined],
    ["{draft: head, draftTokens: 3, acceptance: 0.7}", undefined],
    ["{draft: llama-3.2-1b, draftTokens: 3, acceptedPerStep: 2.5}", undefined],
    ["{draft: head, draftTokens: 3, acceptedPerStep: 4}", undefined],
    ["always", "not a speculation"],
    ["[head]", "not a speculation"],
    ["{draft: head, draftTokens: 3, acceptance: 0.7, temperature: 1}", "unknown field temperature"],
    ["{draftTokens: 3, acceptance: 0.7}", "no draft named"],
    ["{draft: head, draftTokens: 0, acceptance: 0.7}", "draftTokens is not a whole number from 1 to 16"],
    ["{draft: head, draftTokens: 17, acceptance: 0.7}", "draftTokens is not a whole number from 1 to 16"],
    ["{draft: head, draftTokens: 2.5, acceptance: 0.7}", "draftTokens is not a whole number from 1 to 16"],
    ["{draft: head, draftTokens: 3}", "give exactly one of acceptance and acceptedPerStep"],
    ["{draft: head, draftTokens: 3, acceptance: 0.7, acceptedPerStep: 2}", "give exactly one of acceptance and acceptedPerStep"],
    ["{draft: head, draftTokens: 3, acceptance: 1}", "acceptance is not a probability below 1"],
    ["{draft: head, draftTokens: 3, acceptance: -0.1}", "acceptance is not a probability below 1"],
    ["{draft: head, draftTokens: 3, acceptedPerStep: 0.5}", "acceptedPerStep is not between 1 and draftTokens + 1"],
    ["{draft: head, draftTokens: 3, acceptedPerStep: 4.5}", "acceptedPerStep is not between 1 and draftTokens + 1"],
    ["{draft: head, draftTokens: 8, acceptedPerStep: 5.88, verifyTokens: 64, draftWidth: 8}", undefined],
    ["{draft: head, draftTokens: 3, acceptance: 0.7, verifyTokens: 1}", "verifyTokens is not a whole number from 2 to 1024"],
    ["{draft: head, draftTokens: 3, acceptance: 0.7, verifyTokens: 2000}", "verifyTokens is not a whole number from 2 to 1024"],
    ["{draft: head, draftTokens: 3, acceptance: 0.7, draftWidth: 0}", "draftWidth is not a whole number from 1 to 64"],
    ["{draft: head, draftTokens: 3, acceptance: 0.7, draftWidth: 1.5}", "draftWidth is not a whole number from 1 to 64"],
  ] as const)("speculation %s: %s", (spec, problem) => {
    const f = figures(`references:\n${ref("s", "", cond.replace("}", `, speculation: ${spec}}`))}`);
    if (problem === undefined) {
      expect(loadReferences(f).references[0]!.conditions.speculation).toBeDefined();
      return;
    }
    const issue = issuesOf(() => loadReferences(f))[0]!;
    expect(issue).toMatchObject({ file: f, path: "s.conditions.speculation", problem });
    expect(issue.expected).toMatch(/^"stack", or \{draft: <model id> \| head, draftTokens: <1-16>/);
  });
});

describe("the README's accuracy section", () => {
  const row = (o: Partial<ReferenceResult>): ReferenceResult => ({
    id: "r", set: "nvidia-h100-sxm/tensorrt-llm", metric: "decode.tokensPerSecondPerUser", kind: "paper", published: 100, predicted: 105, errorPct: 5,
    looErrorPct: 7.25, tolerancePct: 10, withinTolerance: true, onlyByWideTolerance: false, fitted: true, source: "s", ...o,
  });
  const set: SetResult = {
    id: "tensorrt-llm", file: "f.yaml", hardware: ["nvidia-h100-sxm", "nvidia-h200"], references: ["a", "b"], values: {}, mapePct: 5, looMapePct: 8.25,
    byMetric: { decode: { references: 1, mapePct: 5, looMapePct: 7.25 }, prefill: { references: 1, mapePct: 5, looMapePct: 9.25 } },
    unidentified: [], atBounds: ["stepOverhead = 10.0e-6 is within 2% of its lower bound (why)"], leaveOneOut: {},
  };
  const report: CalibrationReport = {
    references: [
      row({ id: "a" }),
      row({ id: "b", metric: "prefill.seconds", published: 0.0123456, predicted: 0.0129629, errorPct: 5, looErrorPct: -9.25 }),
      row({ id: "c", published: 1460, predicted: 3024, errorPct: 107.123, fitted: false, looErrorPct: 107.123, tolerancePct: 20, withinTolerance: false, knownMiss: "completion time: includes queueing" }),
      row({ id: "d", published: 5.5, predicted: 4.4, errorPct: -20, looErrorPct: -22, withinTolerance: false }),
      row({ id: "e", errorPct: 14, looErrorPct: 30, tolerancePct: 15, onlyByWideTolerance: true }),
    ],
    checks: [
      { id: "above", op: ">", published: 1000, predicted: 2952.4, pass: true, detail: "predicted 2952 at the stated conditions" },
      { id: "near", op: "reachable", published: 65, predicted: 65.5, pass: false, detail: "per-user speed spans 14 (batch 32) to 230 (batch 1)" },
    ],
    sets: [set], mapePct: 7.25, looMapePct: 12.5, coverage: { share: 0.734, level: 0.8, references: 70 }, fitted: true,
  };

  it("states the pooled errors and the band coverage, a row per set and metric, every reference and check, and parameters at a bound", () => {
    expect(accuracyMarkdown(report).split("\n")).toEqual([
      "Over 4 fitted references (wafer and GPU): mean absolute error **7.3%** with the fitted parameters, **12.5%** leave-one-out (each reference predicted by a fit that did not see it: the number to believe). Error bands: 73% of the references fall inside their own leave-one-out band, against the band's stated 80%.",
      "",
      "| parameter set | hardware | references | fit | leave-one-out | decode (fit / loo) | prefill (fit / loo) | throughput (fit / loo) |",
      "|---|---|---:|---:|---:|---:|---:|---:|",
      "| tensorrt-llm | nvidia-h100-sxm, nvidia-h200 | 2 | 5.0% | 8.3% | 5.0% / 7.3% (1) | 5.0% / 9.3% (1) |  |",
      "",
      "| reference | stack | metric | published | predicted | error | leave-one-out | tolerance | note |",
      "|---|---|---|---:|---:|---:|---:|---:|---|",
      "| a | nvidia-h100-sxm/tensorrt-llm | decode.tokensPerSecondPerUser | 100 | 105 | +5.0% | +7.3% | 10% |  |",
      "| b | nvidia-h100-sxm/tensorrt-llm | prefill.seconds | 0.0123 | 0.0130 | +5.0% | -9.3% | 10% |  |",
      "| c | nvidia-h100-sxm/tensorrt-llm | decode.tokensPerSecondPerUser | 1460 | 3024 | +107.1% | not fitted | 20% | known miss: completion time |",
      "| d | nvidia-h100-sxm/tensorrt-llm | decode.tokensPerSecondPerUser | 5.5 | 4.4 | -20.0% | -22.0% | 10% | outside tolerance |",
      "| e | nvidia-h100-sxm/tensorrt-llm | decode.tokensPerSecondPerUser | 100 | 105 | +14.0% | +30.0% | 15% | inside only by its kind's wide tolerance |",
      "",
      "| check | published | predicted | result |",
      "|---|---:|---:|---|",
      "| above | > 1000 | 2952 | pass: predicted 2952 at the stated conditions |",
      "| near | ~ 65.0 | 65.5 | FAIL: per-user speed spans 14 (batch 32) to 230 (batch 1) |",
      "",
      "- warning: tensorrt-llm: stepOverhead = 10.0e-6 is within 2% of its lower bound (why)",
    ]);
    expect(parametersAtBounds(report)).toEqual(["tensorrt-llm: stepOverhead = 10.0e-6 is within 2% of its lower bound (why)"]);
    expect(accuracyMarkdown({ ...report, sets: [{ ...set, atBounds: [] }] })).not.toMatch(/warning/);
  });

  it("is read back from between its markers, or not at all", () => {
    const start = "<!-- accuracy:start (generated by `wafersim calibrate --write`; do not edit) -->";
    expect(readmeAccuracyBlock(`# x\n${start}\n  the table \n<!-- accuracy:end -->\nmore`)).toBe("the table");
    expect(readmeAccuracyBlock("# x\nno markers")).toBeUndefined();
    expect(readmeAccuracyBlock(`<!-- accuracy:end -->\n${start}`)).toBeUndefined();
  });
});

describe("a stored parameter set", () => {
  it.each([
    ["time", 1.2345678e-6, "1.235 us"],
    ["time", 2e-3, "2 ms"],
    ["time", 1e-3, "1 ms"],
    ["time", 999e-6, "999 us"],
    ["time", 1e-6, "1 us"],
    ["time", 5.5e-10, "0.55 ns"],
    ["time", 0, "0 s"],
    ["bytes", 4e9, "4 GB"],
    ["bytes", 9.61234e9, "9.612 GB"],
    ["fraction", 0.752512, "0.7525"],
    ["count", 10, "10"],
  ] as const)("%s %d is written as %s", (dim, value, text) => {
    expect(formatParameter(dim, value)).toBe(text);
  });

  it("is written whole: values with their units and sources, the fit's provenance, the file's comments kept", () => {
    const file = join(dir, "gpt-fast.yaml");
    copyFileSync(`${ROOT}models/params/nvidia-a100-80gb.gpt-fast.yaml`, file);
    const result: SetResult = {
      id: "gpt-fast", file, hardware: ["nvidia-a100-80gb"], references: ["a", "b"],
      values: { memoryEfficiency: 0.81234, computeEfficiency: 0.5, allReduceLatency: 12.5e-6, stepOverhead: 4.5e-4, prefillOverhead: 2e-3 },
      mapePct: 3.14159, looMapePct: 4.56789, byMetric: {}, unidentified: ["computeEfficiency"], atBounds: [],
      leaveOneOut: { a: { metric: "decode.tokensPerSecondPerUser", errorPct: 1.5, params: 7e9, batch: 1, context: 205, chips: 1 } },
    };
    const rows = [
      { id: "a", errorPct: 1.23456 }, { id: "b", errorPct: -2.5 }, { id: "other", errorPct: 50 },
    ].map((r) => ({ ...r, set: "", metric: "decode.tokensPerSecondPerUser" as const, kind: "paper", published: 1, predicted: 1, looErrorPct: 0, tolerancePct: 10, withinTolerance: true, onlyByWideTolerance: false, fitted: true, source: "s" }));
    writeSet(result, { references: rows, checks: [], sets: [result], mapePct: 0, looMapePct: 0, coverage: { share: 0, level: 0.8, references: 0 }, fitted: true }, "2026-12-01");
    const text = readFileSync(file, "utf8");
    expect(text.startsWith("# Engine parameters for A100 80GB with gpt-fast")).toBe(true);
    const set = loadParameterSet(file);
    expect(set.values.memoryEfficiency).toMatchObject({ value: 0.8123, text: "0.8123", source: "fitted by wafersim calibrate on 2026-12-01 to 2 references (provenance)" });
    expect(set.values.allReduceLatency).toMatchObject({ text: "12.5 us" });
    expect(set.values.stepOverhead?.text).toBe("450 us");
    expect(set.values.computeEfficiency?.source).toBe("not identified by this set's references (none depends on it): the middle of its physical range (wafersim calibrate, 2026-12-01)");
    // parameters the fit does not set keep their sourced values
    const original = loadParameterSet(`${ROOT}models/params/nvidia-a100-80gb.gpt-fast.yaml`);
    expect(set.values.memoryFraction).toEqual(original.values.memoryFraction);
    expect(set.provenance).toMatchObject({ method: "fitted", date: "2026-12-01", references: ["a", "b"], mapePct: 3.14, looMapePct: 4.57, residuals: { a: 1.23, b: -2.5 }, unidentified: ["computeEfficiency"] });
    expect(set.provenance.leaveOneOut).toEqual(result.leaveOneOut);
    // every reference identified something: no unidentified list
    writeSet({ ...result, unidentified: [] }, { references: rows, checks: [], sets: [], mapePct: 0, looMapePct: 0, coverage: { share: 0, level: 0.8, references: 0 }, fitted: true }, "2026-12-02");
    expect(loadParameterSet(file).provenance.unidentified).toBeUndefined();
  });

  it("a hardware-scope parameter no reference of the set identifies is said to be shared with the sets on the same chips", () => {
    const file = join(dir, "wafer.yaml");
    copyFileSync(`${ROOT}models/params/cerebras-wse2.waferllm.yaml`, file);
    const set = loadParameterSet(file);
    const values = Object.fromEntries(Object.entries(set.values).filter(([k]) => k !== "collectivesPerLayer").map(([k, v]) => [k, v.value]));
    writeSet({ id: "waferllm", file, hardware: ["cerebras-wse2"], references: [], values, mapePct: 0, looMapePct: 0, byMetric: {}, unidentified: ["waferLinkLatency", "stepOverhead"], atBounds: [], leaveOneOut: {} },
      { references: [], checks: [], sets: [], mapePct: 0, looMapePct: 0, coverage: { share: 0, level: 0.8, references: 0 }, fitted: true }, "2026-12-01");
    const back = loadParameterSet(file);
    expect(back.values.waferLinkLatency?.source).toBe("not identified by this set's references (none depends on it): shared with the sets on the same chips, or the middle of its range (wafersim calibrate, 2026-12-01)");
    expect(back.values.stepOverhead?.source).toMatch(/: the middle of its physical range/);
    expect(back.values.hopLatency?.source).toBe("fitted by wafersim calibrate on 2026-12-01 to 0 references (provenance)");
  });
});
