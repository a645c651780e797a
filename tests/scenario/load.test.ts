import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issuesOf } from "../helpers.js";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/index.js";
import { expandRange } from "../../src/scenario/axes.js";
import { buildContext } from "../../src/scenario/context.js";
import { BASE_KEYS } from "../../src/scenario/keys.js";
import { loadScenario } from "../../src/scenario/load.js";
import { makePlan } from "../../src/scenario/plan.js";
import { scenarioJsonSchema } from "../../src/scenario/schema.js";

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), "wafersim-scenario-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}


describe("extends and provenance", () => {
  const d = dir({
    "base.yaml": "model: llama-3.1-8b\nhardware: cerebras-wse3\nbatch: 4\nsweep:\n  batch: [1, 2]\n  promptTokens: [1024, 2048]\n",
    "child.yaml": "extends: base\nbatch: 8\nhardware.memory.capacity: 88 GB\nsweep:\n  promptTokens: null\n  outputTokens: {from: 100, to: 400, steps: 4}\n",
  });
  const sc = loadScenario(join(d, "child.yaml"));

  it("remembers which file set each value", () => {
    expect(sc.settings.get("model")!.file).toBe(join(d, "base.yaml"));
    expect(sc.settings.get("batch")!.value).toBe(8);
    expect(sc.settings.get("batch")!.file).toBe(join(d, "child.yaml"));
    expect(sc.settings.get("promptTokens")!.file).toBe("default");
    expect(sc.chain).toEqual([join(d, "base.yaml"), join(d, "child.yaml")]);
  });

  it("merges sweep axes by key; null removes an inherited axis", () => {
    expect(sc.axes.map((a) => a.key)).toEqual(["batch", "outputTokens"]);
    // linear 100..400 in 4 steps: 100, 200, 300, 400
    expect(sc.axes[1]!.values).toEqual([100, 200, 300, 400]);
    expect(sc.axes[0]!.file).toBe(join(d, "base.yaml"));
  });

  it("parses a hardware what-if with units and records its source as the scenario (kind what-if)", () => {
    const s = sc.settings.get("hardware.memory.capacity")!;
    expect(s.value).toBe(88e9); // 88 GB, decimal prefix
    const given = new Map([...sc.settings.values()].filter((x) => x.def.role !== "workload").map((x) => [x.key, { key: x.key, value: x.value, text: x.text, file: x.file }]));
    const c = buildContext(given);
    expect(c.prepared.hardware.memory.capacity.value).toBe(88e9);
    expect(c.prepared.hardware.memory.capacity.source).toBe(join(d, "child.yaml"));
    expect(c.prepared.hardware.memory.capacity.kind).toBe("what-if");
    expect(c.prepared.hardware.memory.capacity.note).toMatch(/was 43.90 GB/);
  });

  it("a cycle in extends is an input error", () => {
    const c = dir({ "a.yaml": "extends: b\nmodel: llama-3.1-8b\nhardware: cerebras-wse3\n", "b.yaml": "extends: a\n" });
    expect(issuesOf(() => loadScenario(join(c, "a.yaml")))[0]!.problem).toMatch(/cycle/);
  });
});

describe("bad scenario files name file, key path, value and expectation", () => {
  const cases = [
    { text: "model: llama-3.1-8b\nhardware: cerebras-wse3\nbatchh: 2\n", path: "batchh", problem: /unknown key/ },
    { text: "model: llama-3.1-8b\nhardware: cerebras-wse3\nbatch: 1.5\n", path: "batch", problem: /not a whole number/ },
    { text: "model: llama-3.1-8b\nhardware: cerebras-wse3\nhardware.memory.capacity: 88 GB/s\n", path: "hardware.memory.capacity", problem: /wrong dimension/ },
    { text: "model: llama-3.1-8b\nhardware: cerebras-wse3\nhardware.memory.capacity: 88\n", path: "hardware.memory.capacity", problem: /no unit/ },
    { text: "model: llama-3.1-8b\nhardware: cerebras-wse3\nhardware.memory.speed: 1 GB\n", path: "hardware.memory.speed", problem: /unknown hardware field/ },
    { text: "model: llama-3.1-8b\nhardware: cerebras-wse3\nparameters.hopLatncy: 1 ns\n", path: "parameters.hopLatncy", problem: /unknown parameter/ },
    { text: "model: llama-3.1-8b\nhardware: cerebras-wse3\nsweep:\n  batch: {from: 1, to: 8}\n", path: "sweep.batch.steps", problem: /missing/ },
    { text: "model: llama-3.1-8b\nhardware: cerebras-wse3\nsweep:\n  parameters.hopLatency: {from: 1, to: 2 ns, steps: 3}\n", path: "sweep.parameters.hopLatency.from", problem: /no unit/ },
    { text: "model: llama-3.1-8b\nhardware: cerebras-wse3\nsweep:\n  batch: [1, 2]\n  promptTokens: [1]\nzip: true\n", path: "sweep.promptTokens", problem: /differ in length/ },
    { text: "model: llama-3.1-8b\nhardware: cerebras-wse3\nsweep:\n  model: {from: 1, to: 2, steps: 2}\n", path: "sweep.model", problem: /takes a list/ },
    { text: "hardware: cerebras-wse3\n", path: "model", problem: /missing/ },
    { text: "model: llama-3.1-8b\nhardware: cerebras-wse3\nspeculation.acceptance: 0.7\n", path: "speculation.acceptance", problem: /needs speculation.draftTokens/ },
  ];
  it.each(cases)("$path: $problem", ({ text, path, problem }) => {
    const f = join(dir({ "s.yaml": text }), "s.yaml");
    const issues = issuesOf(() => loadScenario(f));
    const hit = issues.find((i) => i.path === path);
    expect(hit, JSON.stringify(issues)).toBeDefined();
    expect(hit!.file).toBe(f);
    expect(hit!.problem).toMatch(problem);
  });

  it("an unknown model id in a sweep is reported against the scenario before any output", async () => {
    const f = join(dir({ "s.yaml": "model: llama-3.1-8b\nhardware: cerebras-wse3\nsweep:\n  hardware: [cerebras-wse3, no-such-chip]\n" }), "s.yaml");
    const plan = await makePlan(loadScenario(f));
    const issues = issuesOf(() => plan.prepareAll());
    expect(issues[0]).toMatchObject({ file: f, path: "hardware", problem: "unknown hardware id" });
  });

  it("a parameter what-if on hardware it does not apply to is an error", async () => {
    const f = join(dir({ "s.yaml": "model: llama-3.1-8b\nhardware: nvidia-h100-sxm\nparameters.hopLatency: 1 ns\n" }), "s.yaml");
    const plan = await makePlan(loadScenario(f));
    expect(issuesOf(() => plan.prepareAll())[0]!.problem).toMatch(/not a parameter of gpu hardware/);
  });
});

describe("ranges", () => {
  const def = BASE_KEYS.find((k) => k.key === "promptTokens")!;
  it("log 8k..128k in 5 steps gives the powers of two (8192 x 16^(i/4) = 8192 x 2^i)", () => {
    expect(expandRange(def, { from: 8192, to: 131072, steps: 5, scale: "log" }, "f", "p", [])!.values).toEqual([8192, 16384, 32768, 65536, 131072]);
  });
  it("whole-number keys drop repeats after rounding (log 1..8 in 20 steps has 8 distinct values)", () => {
    const batch = BASE_KEYS.find((k) => k.key === "batch")!;
    expect(expandRange(batch, { from: 1, to: 8, steps: 20, scale: "log" }, "f", "p", [])!.values).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe("grid", () => {
  it("cartesian by default (last axis fastest), zip on request", async () => {
    const d = dir({
      "p.yaml": "model: llama-3.1-8b\nhardware: cerebras-wse3\nsweep:\n  batch: [1, 2]\n  promptTokens: [100, 200, 300]\n",
      "z.yaml": "model: llama-3.1-8b\nhardware: cerebras-wse3\nsweep:\n  batch: [1, 2, 3]\n  promptTokens: [100, 200, 300]\nzip: true\n",
    });
    const p = await makePlan(loadScenario(join(d, "p.yaml")));
    expect(p.total).toBe(6); // 2 x 3
    expect([0, 1, 2, 3].map((i) => p.point(i).axes)).toEqual([{ batch: 1, promptTokens: 100 }, { batch: 1, promptTokens: 200 }, { batch: 1, promptTokens: 300 }, { batch: 2, promptTokens: 100 }]);
    const z = await makePlan(loadScenario(join(d, "z.yaml")));
    expect(z.total).toBe(3);
    expect(z.point(2).axes).toEqual({ batch: 3, promptTokens: 300 });
  });
});

describe("JSON Schema", () => {
  it("lists every key and matches override keys by pattern", () => {
    const s = scenarioJsonSchema() as { properties: Record<string, unknown>; patternProperties: Record<string, unknown>; additionalProperties: boolean };
    for (const k of BASE_KEYS) expect(s.properties[k.key]).toBeDefined();
    expect(Object.keys(s.patternProperties)[0]).toMatch(/hardware\|model\|parameters/);
    expect(s.additionalProperties).toBe(false);
  });
});

describe("shipped scenarios", () => {
  it.each(["codex-spark", "codex-spark-vs-gpus", "model-size-1000tps", "context-8k-128k", "batch-vs-speed", "precision", "speculative", "wafer-baseline", "wafer-2x-sram", "wafer-2x-fabric", "llama-405b-cs3-vs-b200", "agent-time-vs-speed", "stack-rework"])("%s loads and every deployment builds", async (name) => {
    const plan = await makePlan(loadScenario(name));
    plan.prepareAll();
    expect(plan.total).toBeGreaterThan(0);
  });
});
