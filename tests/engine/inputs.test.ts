/**
 * Bad input to the engine: layout options a runtime could not honour, workloads out of range,
 * parameter files that break the physics' ranges. Each is an InputError naming the flag or the
 * file and field, the value and what was expected (the project's error template).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkWorkload, predict } from "../../src/engine/predict.js";
import { defOf, defsOf, getParam, loadParameterSet, PARAMETER_DEFS, parameterSetFor, withParams } from "../../src/engine/parameters.js";
import { contextLimitIssue, prepareFrom } from "../../src/engine/prepare.js";
import { issuesOf } from "../helpers.js";
import { hardware, lazy, M, prep, S, synthModel } from "./synthetic.js";

const s = lazy(() => synthModel(S));

const h100 = hardware("nvidia-h100-sxm");
const wse3 = hardware("cerebras-wse3");

describe("layout options", () => {
  it.each([
    // option, problem, got, expected
    [{ tensorParallel: 2 }, wse3, "--tensor-parallel", /a wafer has no tensor parallelism \(cerebras-wse3\)/, "2", "1, or GPU hardware"],
    [{ tensorParallel: 3 }, h100, "--tensor-parallel", /must split synthetic's 16 attention heads evenly within one NVLink domain of 8/, "3", "one of 1, 2, 4, 8"],
    [{ tensorParallel: 16 }, h100, "--tensor-parallel", /NVLink domain of 8/, "16", "one of 1, 2, 4, 8"],
    [{ tensorParallel: 0 }, h100, "--tensor-parallel", /must split/, "0", "one of 1, 2, 4, 8"],
    [{ tensorParallel: 1.5 }, h100, "--tensor-parallel", /must split/, "1.5", "one of 1, 2, 4, 8"],
    [{ tensorParallel: 4, chips: 2 }, h100, "--tensor-parallel", /wider than the chips asked for/, "4", "at most --chips 2"],
    [{ pipelineStages: 9 }, h100, "--pipeline-stages", /not a whole number of stages/, "9", "1 to 8"],
    [{ pipelineStages: 0 }, h100, "--pipeline-stages", /not a whole number of stages/, "0", "1 to 8"],
    [{ pipelineStages: 2.5 }, h100, "--pipeline-stages", /not a whole number of stages/, "2.5", "1 to 8"],
    [{ memoryFraction: 0.5 }, wse3, "--memory-fraction", /a wafer keeps weights and KV cache in SRAM/, "0.5", "a fraction such as 0.9, on GPU hardware"],
    [{ memoryFraction: 0 }, h100, "--memory-fraction", /not a fraction above 0 and at most 1/, "0", "a fraction such as 0.9, on GPU hardware"],
    [{ memoryFraction: 1.01 }, h100, "--memory-fraction", /not a fraction above 0/, "1.01", "a fraction such as 0.9, on GPU hardware"],
    [{ expertPlacement: "striped" as never }, wse3, "--expert-placement", /unknown expert placement/, '"striped"', "one of sliced, per-expert"],
  ] as const)("%o on %s: %s", (opts, hw, file, problem, got, expected) => {
    const issues = issuesOf(() => prepareFrom(s(), hw, opts));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file, path: "", got, expected });
    expect(issues[0]!.problem).toMatch(problem);
  });

  it("honours what a runtime could: TP within the domain that splits the heads, stages up to the layers, a fraction up to 1", () => {
    expect(prepareFrom(s(), h100, { tensorParallel: 8, chips: 8, pipelineStages: 8, memoryFraction: 1 }).tensorParallel).toBe(8);
    expect(prepareFrom(s(), h100, { pipelineStages: 1 }).pipelineStages).toBe(1);
    expect(prepareFrom(synthModel(M), wse3, { expertPlacement: "per-expert" }).expertPlacement).toBe("per-expert");
    expect(prepareFrom(synthModel(M), wse3, {}).expertPlacement).toBe("sliced");
    // every problem at once, one line each
    expect(issuesOf(() => prepareFrom(s(), h100, { tensorParallel: 3, pipelineStages: 99, memoryFraction: 2 })).map((i) => i.file)).toEqual(["--tensor-parallel", "--pipeline-stages", "--memory-fraction"]);
  });

  it("cores per layer: only on a wafer, whole cores of one wafer, enough SRAM for a layer", () => {
    expect(issuesOf(() => prepareFrom(s(), h100, { coresPerLayer: 100 }))[0]).toMatchObject({ file: "--cores-per-layer", got: "100", expected: "wafer hardware: GPUs have no cores per layer" });
    const cores = wse3.mesh!.cores.value;
    expect(issuesOf(() => prepareFrom(s(), wse3, { coresPerLayer: cores + 1 }))[0]).toMatchObject({ file: "--cores-per-layer", expected: `a whole number from 1 to ${cores} (cerebras-wse3)` });
    expect(issuesOf(() => prepareFrom(s(), wse3, { coresPerLayer: 0 }))[0]!.problem).toBe("not a whole number of cores on one wafer");
    expect(issuesOf(() => prepareFrom(s(), wse3, { coresPerLayer: 10.5 }))[0]!.problem).toBe("not a whole number of cores on one wafer");
    // one layer of S: 121.7 MB in bf16; a core holds 43.9 GB / 893,064 = 49,152 B: 2,476 cores at least
    const sram = wse3.memory.capacity.value / cores;
    const need = Math.ceil((2 * (10_485_760 + 4096 + 50_331_648)) / sram);
    const small = issuesOf(() => prepareFrom(s(), wse3, { coresPerLayer: need - 1 }))[0]!;
    expect(small.expected).toBe(`at least ${need} cores for synthetic`);
    expect(small.problem).toMatch(/less than one layer's weights/);
    expect(prepareFrom(s(), wse3, { coresPerLayer: need }).coresPerLayer).toBe(need);
    expect(prepareFrom(s(), wse3, { coresPerLayer: cores }).coresPerLayer).toBe(cores);
  });

  it("a request longer than the context window is refused, naming the model's file and field", () => {
    const pr = prep(synthModel({ ...S, maxContext: 4096 }), h100);
    expect(contextLimitIssue(pr, 4000, 96)).toBeUndefined();
    expect(contextLimitIssue(pr, 4000, 97)).toMatchObject({ path: "max_position_embeddings", got: "4000 + 97 = 4097 tokens", expected: "at most 4096 tokens" });
    expect(contextLimitIssue(prep(synthModel({ ...S, maxContext: undefined as never }), h100), 1e7, 1e7)).toBeUndefined();
  });
});

describe("workloads", () => {
  it.each([
    [{ batch: 0, promptTokens: 1, outputTokens: 1 }, undefined, "--batch", "0", "a whole number >= 1"],
    [{ batch: 1.5, promptTokens: 1, outputTokens: 1 }, undefined, "--batch", "1.5", "a whole number >= 1"],
    [{ batch: 1, promptTokens: 0, outputTokens: 1 }, undefined, "--prompt-tokens", "0", "a whole number >= 1"],
    [{ batch: 1, promptTokens: 1, outputTokens: 0 }, undefined, "--output-tokens", "0", "a whole number >= 1"],
    [{ batch: 1, promptTokens: 1, outputTokens: 1 }, { draftTokens: 0, acceptance: 0.5 }, "--spec-draft-tokens", "0", "a whole number >= 1"],
    [{ batch: 1, promptTokens: 1, outputTokens: 1 }, { draftTokens: 2, acceptance: 1.5 }, "--spec-acceptance", "1.5", "a probability from 0 to 1"],
    [{ batch: 1, promptTokens: 1, outputTokens: 1 }, { draftTokens: 2, acceptance: -0.1 }, "--spec-acceptance", "-0.1", "a probability from 0 to 1"],
  ] as const)("%o with %o: %s", (w, spec, file, got, expected) => {
    expect(issuesOf(() => checkWorkload(w, spec))[0]).toMatchObject({ file, got, expected });
  });

  it("accepts the edges: one of everything, acceptance 0 and 1", () => {
    expect(() => checkWorkload({ batch: 1, promptTokens: 1, outputTokens: 1 }, { draftTokens: 1, acceptance: 0 })).not.toThrow();
    expect(() => checkWorkload({ batch: 1, promptTokens: 1, outputTokens: 1 }, { draftTokens: 1, acceptance: 1 })).not.toThrow();
  });

  it("the stack's speculation cannot be combined with a stated one, and needs a set that declares it", () => {
    expect(issuesOf(() => predict({ model: "llama-3.1-8b", hardware: "nvidia-h100-sxm", stackSpeculation: true, speculation: { draftTokens: 2, acceptance: 0.5 } }))[0]).toMatchObject({ file: "--stack-speculation", problem: "cannot be combined with --spec-draft-tokens/--spec-acceptance" });
    const noSpec = parameterSetFor(hardware("nvidia-a100-80gb"), "gpt-fast");
    expect(noSpec.speculation).toBeUndefined();
    expect(issuesOf(() => predict({ model: "llama-3.1-8b", hardware: "nvidia-a100-80gb", software: "gpt-fast", stackSpeculation: true }))[0]).toMatchObject({ file: "--stack-speculation", problem: "the software set gpt-fast declares no speculative decoding" });
  });
});

describe("parameter sets", () => {
  const dir = mkdtempSync(join(tmpdir(), "wafersim-params-"));
  let n = 0;
  const file = (params: string, extra = "") => {
    const f = join(dir, `set-${n++}.yaml`);
    writeFileSync(f, `kind: gpu\nhardware: [nvidia-h100-sxm]\nsoftware: {id: t, name: T, default: false}\nprovenance: {method: derived, date: 2026-01-01}\n${extra}parameters:\n${params}`);
    return f;
  };
  const good = ["memoryEfficiency: {value: \"0.8\", source: s}", "computeEfficiency: {value: \"0.5\", source: s}", "allReduceLatency: {value: 10 us, source: s}", "stepOverhead: {value: 100 us, source: s}", "prefillOverhead: {value: 1 ms, source: s}", "networkLatency: {value: 20 us, source: s}", "memoryFraction: {value: \"0.9\", source: s}", "runtimeReserve: {value: 4 GB, source: s}", "lowPrecisionEfficiency: {value: \"0.4\", source: s}", "draftOverhead: {value: 50 us, source: s}", "allReduceEfficiency: {value: \"0.5\", source: s}"];
  const params = (lines: readonly string[]) => lines.map((l) => `  ${l}\n`).join("");

  it("reads a complete set into SI numbers by name", () => {
    const set = loadParameterSet(file(params(good)));
    expect(set.values.allReduceLatency?.value).toBeWithinRel(10e-6, 1e-12);
    expect(set.values.runtimeReserve?.value).toBe(4e9);
    expect(set.values.memoryEfficiency).toMatchObject({ value: 0.8, text: "0.8", source: "s" });
  });

  it("refuses an unknown name, a value outside its physical range, a missing one, a unit of the wrong dimension, every problem at once", () => {
    const bad = [...good.slice(1, 7), "allReduceLatency: {value: 10 GB, source: s}", "memoryFraction: {value: \"1.5\", source: s}", "hopLatency: {value: 1 ns, source: s}", "runtimeReserve: {value: x, source: s}"];
    const issues = issuesOf(() => loadParameterSet(file(params(bad.filter((l) => !l.startsWith("memoryFraction: {value: \"0.9")).filter((l) => !l.startsWith("allReduceLatency: {value: 10 us"))))));
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    expect(byPath["parameters.hopLatency"]).toMatchObject({ problem: "unknown parameter" });
    expect(byPath["parameters.memoryFraction.value"]).toMatchObject({ problem: "outside its physical range", got: "1.5" });
    expect(byPath["parameters.memoryFraction.value"]!.expected).toMatch(/^0\.05 to 1 \(SI\): /);
    expect(byPath["parameters.allReduceLatency.value"]!.problem).toMatch(/time/);
    expect(byPath["parameters.runtimeReserve.value"]).toBeDefined();
    expect(byPath["parameters.memoryEfficiency"]).toMatchObject({ problem: "missing" });
    // a value already reported as wrong is not also reported missing
    expect(issues.filter((i) => i.path.startsWith("parameters.allReduceLatency"))).toHaveLength(1);
  });

  it("a speculation acceptance needs a declared speculation, and a declared one a valid draft length", () => {
    const acc = "speculationAcceptance: {value: \"0.7\", source: s}";
    expect(issuesOf(() => loadParameterSet(file(params([...good, acc]))))[0]).toMatchObject({ path: "parameters.speculationAcceptance", problem: "a speculation acceptance without a declared speculation" });
    const declared = (k: string) => `speculation: {draft: head, draftTokens: ${k}, source: s}\n`;
    expect(loadParameterSet(file(params([...good, acc]), declared("4"))).speculation).toEqual({ draft: "head", draftTokens: 4, source: "s" });
    expect(loadParameterSet(file(params([...good, acc]), declared("best"))).speculation?.draftTokens).toBe("best");
    expect(issuesOf(() => loadParameterSet(file(params([...good, acc]), declared("17"))))[0]).toMatchObject({ path: "speculation.draftTokens", problem: "not a draft length", got: "17" });
    expect(issuesOf(() => loadParameterSet(file(params([...good, acc]), declared("0"))))[0]!.path).toBe("speculation.draftTokens");
    // declared but without its acceptance: missing
    expect(issuesOf(() => loadParameterSet(file(params(good), declared("4"))))[0]).toMatchObject({ path: "parameters.speculationAcceptance", problem: "missing" });
  });

  it("the set for a hardware: the named stack, else the default; a stack without a set names the ones there are", () => {
    expect(parameterSetFor(h100).software.default).toBe(true);
    expect(parameterSetFor(h100, "sglang-2025").software.id).toBe("sglang-2025");
    const issue = issuesOf(() => parameterSetFor(h100, "nope"))[0]!;
    expect(issue).toMatchObject({ file: "--software", got: '"nope"', problem: "no parameter set for this software stack on nvidia-h100-sxm" });
    expect(issue.expected).toMatch(/^one of .*tensorrt-llm/);
    const unknown = { ...h100, id: "nvidia-x" };
    expect(issuesOf(() => parameterSetFor(unknown))[0]).toMatchObject({ problem: "no parameter set for nvidia-x", expected: "a file in models/params/ listing nvidia-x" });
  });

  it("parameters by name: of their kind only", () => {
    const p = prep(s(), h100).params;
    expect(getParam(withParams(p, { stepOverhead: 1e-3 }), "stepOverhead")).toBe(1e-3);
    expect(() => withParams(p, { hopLatency: 1e-9 })).toThrow(/hopLatency is not a gpu parameter/);
    expect(defOf("wafer", "hopLatency")?.scope).toBe("hardware");
    expect(defOf("gpu", "hopLatency")).toBeUndefined();
    expect(defsOf("wafer").every((d) => d.kind === "wafer")).toBe(true);
    expect(defsOf("gpu").map((d) => d.name)).toContain("memoryFraction");
  });
});

describe("parameter definitions", () => {
  // Issue 11: each parameter is scoped where its physics lives. The chip and its links (a mesh hop,
  // a hand-off between wafers or nodes) are hardware; kernels, collective libraries, synchronisation
  // and host code are the software stack's. Set from sources rather than fitted: the wafer's
  // all-reduces per layer (WaferLLM's kernels), an InfiniBand hop, and the serving engine's memory
  // settings. Speculation's acceptance exists only where a stack declares speculation.
  it("models/params/README.md says where each parameter's physics lives, with the scope the code gives it", () => {
    const rows = readFileSync("models/params/README.md", "utf8").split("\n").filter((l) => /^\| (wafer|gpu) \|/.test(l)).map((l) => l.split("|").map((c) => c.trim()));
    for (const d of PARAMETER_DEFS) {
      const row = rows.find((r) => r[1] === d.kind && r[2]!.split(", ").includes(d.name));
      expect(row, `${d.kind}.${d.name}`).toBeDefined();
      expect(row![3], `${d.kind}.${d.name}`).toBe(d.scope);
    }
  });

  it("scope, fitting and units as the physics says", () => {
    const table = PARAMETER_DEFS.map((d) => `${d.kind}.${d.name}: ${d.scope}, ${d.fitted ? "fitted" : "sourced"}, ${d.dim}${d.optional ? ", optional" : ""}`);
    expect(table).toEqual([
      "wafer.hopLatency: hardware, fitted, time",
      "wafer.collectivesPerLayer: software, sourced, count",
      "wafer.collectiveSync: software, fitted, time",
      "wafer.sramEfficiency: software, fitted, fraction",
      "wafer.prefillEfficiency: software, fitted, fraction",
      "wafer.waferLinkLatency: hardware, fitted, time",
      "wafer.stepOverhead: software, fitted, time",
      "wafer.prefillOverhead: software, fitted, time",
      "wafer.draftOverhead: software, fitted, time",
      "wafer.speculationAcceptance: software, fitted, fraction, optional",
      "gpu.memoryEfficiency: software, fitted, fraction",
      "gpu.computeEfficiency: software, fitted, fraction",
      "gpu.lowPrecisionEfficiency: software, fitted, fraction",
      "gpu.allReduceLatency: software, fitted, time",
      "gpu.allReduceEfficiency: software, fitted, fraction",
      "gpu.stepOverhead: software, fitted, time",
      "gpu.prefillOverhead: software, fitted, time",
      "gpu.networkLatency: hardware, sourced, time",
      "gpu.memoryFraction: software, sourced, fraction",
      "gpu.runtimeReserve: software, sourced, bytes",
      "gpu.draftOverhead: software, fitted, time",
      "gpu.speculationAcceptance: software, fitted, fraction, optional",
    ]);
  });

  it.each(PARAMETER_DEFS.map((d) => [`${d.kind}.${d.name}`, d] as const))("%s: a range with its reason, a description; the loader holds a value to the range and says why", (_id, d) => {
    const [lo, hi] = d.bounds;
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeGreaterThan(lo);
    // a reason and a description in words, not a placeholder
    expect(d.why.length, "why").toBeGreaterThan(20);
    expect(d.doc.length, "doc").toBeGreaterThan(20);
    const dir = mkdtempSync(join(tmpdir(), "wafersim-def-"));
    const unitOf = (x: typeof d) => ({ time: " s", bytes: " B", fraction: "", count: "" })[x.dim as "time" | "bytes" | "fraction" | "count"];
    const unit = unitOf(d);
    const others = defsOf(d.kind).filter((x) => x.name !== d.name && !x.optional);
    const line = (x: typeof d, v: number) => `  ${x.name}: {value: "${v}${unitOf(x)}", source: s}\n`;
    const write = (value: number | undefined) => {
      const f = join(dir, `${d.name}-${value}.yaml`);
      const spec = d.optional ? "speculation: {draft: head, draftTokens: 2, source: s}\n" : "";
      writeFileSync(f, `kind: ${d.kind}\nhardware: [x]\nsoftware: {id: t, name: T, default: false}\nprovenance: {method: derived, date: 2026-01-01}\n${spec}parameters:\n${others.map((x) => line(x, x.bounds[1])).join("")}${value === undefined ? "" : line(d, value)}`);
      return f;
    };
    const atLo = loadParameterSet(write(lo)).values[d.name]!.value;
    if (lo === 0) expect(atLo).toBe(0);
    else expect(atLo).toBeWithinRel(lo, 1e-12);
    expect(loadParameterSet(write(hi)).values[d.name]?.value).toBeWithinRel(hi, 1e-12);
    const above = issuesOf(() => loadParameterSet(write(hi * 1.5)))[0]!;
    expect(above).toMatchObject({ path: `parameters.${d.name}.value`, problem: "outside its physical range", got: `${hi * 1.5}${unit}` });
    expect(above.expected).toBe(`${lo} to ${hi} (SI): ${d.why}`);
    if (lo > 0) expect(issuesOf(() => loadParameterSet(write(lo / 2)))[0]!.problem).toBe("outside its physical range");
    expect(issuesOf(() => loadParameterSet(write(undefined)))[0]).toMatchObject({ path: `parameters.${d.name}`, problem: "missing", expected: d.doc });
  });

  it("a value that is not a number, or a unit of another dimension, is refused with the parser's reason", () => {
    const dir = mkdtempSync(join(tmpdir(), "wafersim-def-"));
    const f = join(dir, "bad.yaml");
    const wafer = defsOf("wafer").filter((x) => !x.optional);
    const lines = wafer.map((x) => `  ${x.name}: {value: "${x.name === "sramEfficiency" ? "lots" : x.name === "hopLatency" ? "2 GB" : x.bounds[1] + (x.dim === "time" ? " s" : "")}", source: s}\n`).join("");
    writeFileSync(f, `kind: wafer\nhardware: [x]\nsoftware: {id: t, name: T, default: false}\nprovenance: {method: derived, date: 2026-01-01}\nparameters:\n${lines}`);
    const issues = issuesOf(() => loadParameterSet(f));
    expect(issues.find((i) => i.path === "parameters.sramEfficiency.value")).toMatchObject({ problem: "not a number", got: '"lots"' });
    expect(issues.find((i) => i.path === "parameters.hopLatency.value")!.problem).toMatch(/time/);
    // the set's own fields: a kind, hardware, the software, provenance
    writeFileSync(f, `kind: tpu\nhardware: []\nsoftware: {id: t}\nprovenance: {method: guessed, date: 2026-01-01}\nparameters: {}\n`);
    const paths = issuesOf(() => loadParameterSet(f)).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["kind", "hardware", "software.name", "software.default", "provenance.method"]));
  });
});
