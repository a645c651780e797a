import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { listIds } from "../../src/registry.js";
import { loadScenario } from "../../src/scenario/load.js";
import { makePlan } from "../../src/scenario/plan.js";
import { anyValue, numberText, outcome, outcomeAsync, quantityText, runs } from "./harness.js";

/**
 * Scenario files with generated keys, values, what-if overrides (absolute and relative) and small
 * sweeps: each loads and evaluates to finite metrics, or is refused with named problems. Sweeps
 * stay small here (point counts and range steps are bounded by the sweep work of issue 13).
 */

const models = ["llama-3.1-8b", "llama-3.1-70b", "codex-spark-proxy", "gpt-oss-120b", "qwen3-235b-a22b"];
const relative = fc.oneof(
  fc.constantFrom("x2", "x0.5", "x1e308", "x1e-308", "x0", "x-1", "2x", "x 2", "X2", "x1e10", "x0.3333333"),
  fc.double({ min: 1e-4, max: 1e4, noNaN: true }).map((d) => `x${d}`),
);
const count = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 4096 }) }, { weight: 1, arbitrary: anyValue });

const OVERRIDES: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  "hardware.memory.capacity": fc.oneof(quantityText, relative, fc.constantFrom("88 GB", "1 EB", "1e-300 GB")),
  "hardware.memory.bandwidth": fc.oneof(quantityText, relative),
  "hardware.mesh.cores": fc.oneof(relative, count, fc.constantFrom(2.5, 1e308)),
  "hardware.interconnect.scaleUp.devices": fc.oneof(relative, count),
  "parameters.hopLatency": fc.oneof(relative, quantityText, fc.constantFrom("0 ns", "-1 ns", "0.5 ns")),
  "parameters.memoryEfficiency": fc.oneof(relative, anyValue, fc.double({ min: 0, max: 1, noNaN: true })),
  "parameters.stepOverhead": fc.oneof(relative, quantityText),
  "model.config.num_hidden_layers": fc.oneof(relative, count),
  "model.config.hidden_size": fc.oneof(relative, count),
  "model.config.num_key_value_heads": fc.oneof(relative, count),
  "model.config.__proto__.polluted": fc.constant(1),
  "hardware.constructor": fc.constant(1),
  "no.such.key": anyValue,
};

const scenarioData = fc.record({
  model: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...models) }, { weight: 1, arbitrary: anyValue }),
  hardware: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...listIds("hardware")) }, { weight: 1, arbitrary: anyValue }),
  chips: fc.oneof(fc.constant("auto"), fc.integer({ min: 1, max: 64 }), anyValue),
  precision: fc.constantFrom("bf16", "fp8", "fp4", "native", "fp3"),
  batch: count,
  promptTokens: count,
  outputTokens: count,
  speculation: fc.oneof(fc.constant("none"), fc.record({ draftTokens: fc.oneof(fc.integer({ min: 1, max: 8 }), anyValue), acceptance: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), anyValue) })),
  overrides: fc.subarray(Object.keys(OVERRIDES), { maxLength: 3 }).chain((keys) => fc.tuple(...keys.map((k) => fc.tuple(fc.constant(k), OVERRIDES[k]!)))),
  sweep: fc.option(fc.dictionary(
    fc.constantFrom("batch", "promptTokens", "chips", "hardware.memory.bandwidth", "parameters.hopLatency", "model.config.num_hidden_layers"),
    fc.oneof(
      fc.array(fc.oneof(count, relative, quantityText), { minLength: 0, maxLength: 3 }),
      fc.record({ from: fc.oneof(count, relative, quantityText, numberText), to: fc.oneof(count, relative, quantityText), steps: fc.integer({ min: -1, max: 4 }), scale: fc.constantFrom("linear", "log", "cubic") }, { requiredKeys: ["from", "to", "steps"] }),
    ),
    { maxKeys: 2 },
  ), { nil: undefined }),
}, { requiredKeys: ["model", "hardware"] });

const dir = mkdtempSync(join(tmpdir(), "wafersim-fuzz-"));

describe("fuzz: scenario files", () => {
  it("every generated scenario evaluates to finite metrics, or is refused by name", async () => {
    let evaluated = 0;
    let n = 0;
    await fc.assert(fc.asyncProperty(scenarioData, async (d) => {
      const { overrides, sweep, ...rest } = d;
      const doc: Record<string, unknown> = { ...rest, ...(sweep ? { sweep } : {}) };
      for (const [k, v] of overrides ?? []) doc[k] = v;
      const file = join(dir, `s${n++ % 8}.yaml`);
      writeFileSync(file, stringify(doc));
      const sc = outcome("scenario", () => loadScenario(file));
      if (!sc.ok) return;
      const r = await outcomeAsync("plan", async () => {
        const plan = await makePlan(sc.value);
        if (plan.total > 64) return [];
        plan.prepareAll();
        return Array.from({ length: plan.total }, (_, i) => plan.point(i).metrics);
      });
      if (r.ok) evaluated++;
    }), runs(300));
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    // the engine is exercised, not only the refusals
    expect(evaluated).toBeGreaterThan(runs(300).numRuns / 50);
  });
});
