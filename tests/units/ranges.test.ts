import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadTask } from "../../src/agent/profile.js";
import { loadHardware } from "../../src/hardware/load.js";
import { MODELS_DIR } from "../../src/registry.js";
import { jsonSchemaFor } from "../../src/scenario/schema.js";
import { LIMITS } from "../../src/schema/limits.js";
import { outOfRange, validate, type Spec } from "../../src/schema/spec.js";
import { loadStack } from "../../src/stack/load.js";
import { DIMENSIONS } from "../../src/units/dimensions.js";
import { gpuYaml, issuesOf, issuesOfAsync, tempFile } from "../helpers.js";

const wse3 = readFileSync(`${MODELS_DIR}hardware/cerebras-wse3.yaml`, "utf8");
/** The shipped WSE-3 file with one figure's value replaced (whatever the file's current value). */
const wafer = (field: string, to: string) => {
  const from = new RegExp(`(\\n {2}${field}: \\{value: )[^,]+,`);
  expect(wse3).toMatch(from);
  return tempFile("wafer.yaml", wse3.replace(from, `$1${to},`));
};

describe("physical ranges say what they mean", () => {
  it.each([
    ["a bandwidth of 1e-300 B/s (made prefill NaN)", gpuYaml("1e-300 B/s"), "memory.bandwidth.value", "implausibly small"],
    ["a bandwidth of 1e30 B/s", gpuYaml("1e30 B/s"), "memory.bandwidth.value", "implausibly large"],
    ["a zero bandwidth", gpuYaml("0 TB/s"), "memory.bandwidth.value", "must be positive"],
    ["a negative bandwidth", gpuYaml("-3 TB/s"), "memory.bandwidth.value", "negative"],
    ["1e20 GB of memory", gpuYaml("3.35 TB/s").replace("80 GB", "1e20 GB"), "memory.capacity.value", "implausibly large"],
  ])("refuses %s", (_what, yaml, path, problem) => {
    const [issue] = issuesOf(() => loadHardware(tempFile("hw.yaml", yaml)));
    expect(issue).toMatchObject({ path, problem });
    expect(issue?.expected).toMatch(/from 1 B(\/s)? to 1 [EZ]B/);
  });

  it("greater than zero means zero is refused; zero or more means negatives are", () => {
    const strict: Spec = { t: "quantity", dim: "time" };
    const zeroOk: Spec = { t: "quantity", dim: "time", allowZero: true };
    expect(outOfRange(strict, 0)).toMatchObject({ problem: "must be positive", expected: expect.stringContaining("greater than zero") });
    expect(outOfRange(zeroOk, 0)).toBeUndefined();
    expect(outOfRange(zeroOk, -1e-9)).toMatchObject({ problem: "negative", expected: expect.stringContaining("of zero or from") });
    // every bound is inclusive: the range's ends are accepted, the next representable values are not
    for (const d of Object.values(DIMENSIONS)) {
      const spec: Spec = { t: "quantity", dim: (Object.keys(DIMENSIONS) as (keyof typeof DIMENSIONS)[]).find((k) => DIMENSIONS[k] === d)! };
      expect(outOfRange(spec, d.range.min)).toBeUndefined();
      expect(outOfRange(spec, d.range.max)).toBeUndefined();
      expect(outOfRange(spec, d.range.min * (1 - 1e-12))?.problem).toBe("implausibly small");
      expect(outOfRange(spec, d.range.max * (1 + 1e-12))?.problem).toBe("implausibly large");
    }
  });

  it("the shipped data sits well inside every range", () => {
    // a bound that nearly touches real hardware would refuse ordinary what-ifs (x10, x100)
    const issues: unknown[] = [];
    const spec: Spec = { t: "quantity", dim: "bandwidth" };
    validate(spec, "21 PB/s", "f", "p", issues as never[]);
    expect(issues).toEqual([]);
    expect(21e15 * 1000).toBeLessThan(DIMENSIONS.bandwidth.range.max);
  });
});

describe("whole-number fields are whole, with named limits", () => {
  it.each([
    ["cores: 2.5", "cores", "2.5", "mesh.cores.value", "not a whole number", undefined],
    ["cores: 1e308", "cores", "1e308", "mesh.cores.value", "too large", "MAX_CORES"],
    ["width: 0", "width", "0", "mesh.width.value", "too small", undefined],
  ])("hardware %s is refused", (_what, field, to, path, problem, limit) => {
    const [issue] = issuesOf(() => loadHardware(wafer(field, to)));
    expect(issue).toMatchObject({ path, problem });
    if (limit) expect(issue?.expected).toContain(limit);
  });

  it("scale-up devices beyond MAX_CHIPS are refused", () => {
    const [issue] = issuesOf(() => loadHardware(tempFile("hw.yaml", gpuYaml("3.35 TB/s").replace("devices: {value: 8,", "devices: {value: 1e9,"))));
    expect(issue).toMatchObject({ path: "interconnect.scaleUp.devices.value", problem: "too large" });
    expect(issue?.expected).toContain("MAX_CHIPS");
  });

  it("the JSON Schema states the limit and why", () => {
    const hw = JSON.stringify(jsonSchemaFor("hardware"));
    expect(hw).toContain(`"maximum":${LIMITS.cores.max}`);
    expect(hw).toContain("MAX_CORES");
    expect(hw).toContain("1 B/s to 1 ZB/s");
  });
});

describe("task profiles and stacks: named limits", () => {
  const task = readFileSync(`${MODELS_DIR}tasks/swe-bench-pro.yaml`, "utf8");
  const taskWith = (from: RegExp, to: string) => {
    expect(task).toMatch(from);
    return tempFile("task.yaml", task.replace(from, to));
  };

  it("turns: 1e9 is refused with MAX_TURNS (a session keeps one row per turn)", () => {
    const [issue] = issuesOf(() => loadTask(taskWith(/turns:\n {2}value: 64/, "turns:\n  value: 1e9")));
    expect(issue).toMatchObject({ path: "turns.value", problem: "too large" });
    expect(issue?.expected).toContain("MAX_TURNS");
  });

  it("a last prompt beyond MAX_TOKENS is refused, though each field is within its own limit", () => {
    // 14,315 + (10,000 - 1) x 886,000 = 8.86e9 tokens > 1e9
    const f = taskWith(/promptGrowthPerTurn:\n {2}value: 886/, "promptGrowthPerTurn:\n  value: 886000");
    const g = tempFile("task2.yaml", readFileSync(f, "utf8").replace(/turns:\n {2}value: 64/, "turns:\n  value: 10000"));
    const [issue] = issuesOf(() => loadTask(g));
    expect(issue).toMatchObject({ path: "promptGrowthPerTurn", problem: "the last turn's prompt is too long" });
    expect(issue?.got).toContain("8,859,128,315");
  });

  it("round trips per request beyond MAX_ROUND_TRIPS are refused", () => {
    const text = readFileSync(`${MODELS_DIR}stacks/websocket.yaml`, "utf8");
    const from = /roundTripsPerRequest:\n {4}value: 1\n/;
    expect(text).toMatch(from);
    const [issue] = issuesOf(() => loadStack(tempFile("s.yaml", text.replace(from, "roundTripsPerRequest:\n    value: 1e308\n"))));
    expect(issue).toMatchObject({ path: "network.roundTripsPerRequest.value", problem: "too large" });
    expect(issue?.expected).toContain("MAX_ROUND_TRIPS");
  });
});

describe("what-if overrides meet the same ranges as literal values", () => {
  const BASE = "model: llama-3.1-70b\nhardware: cerebras-wse3\nprecision: bf16\n";
  const built = async (text: string) => {
    const { loadScenario } = await import("../../src/scenario/load.js");
    const { makePlan } = await import("../../src/scenario/plan.js");
    const plan = await makePlan(loadScenario(tempFile("s.yaml", text)));
    plan.prepareAll();
    return plan;
  };

  it.each([
    // ~44 GB x 1e308 overflows to Infinity; it printed "Infinity EB"
    ["hardware.memory.capacity: x1e308", "hardware.memory.capacity", /^x1e308 of [\d.]+ GB is Infinity: not a finite number$/],
    // ~44 GB x 1e10 = ~4.4e20 B, above 1 EB
    ["hardware.memory.capacity: x1e10", "hardware.memory.capacity", /^x1e10 of [\d.]+ GB is 4\d\d EB: implausibly large$/],
    // ~900,000 cores x 0.3333333 is not a whole number (0.3333333 x 3 = 0.9999999)
    ["hardware.mesh.cores: x0.3333333", "hardware.mesh.cores", /not a whole number$/],
    // 900,000 x 1e308: far beyond MAX_CORES
    ["hardware.mesh.cores: x1e300", "hardware.mesh.cores", /too large$/],
    // found by the fuzz suite: x1e-308 of an efficiency is above zero, and a request took Infinity seconds
    ["parameters.sramEfficiency: x1e-308", "parameters.sramEfficiency", /^x1e-308 of .* is [\d.e-]+: too small$/],
    // a sweep range's values are not checked one by one when the axis is read: they are when built
    ["sweep:\n  hardware.memory.bandwidth: {from: 1e-300 B/s, to: 1 B/s, steps: 2}", "hardware.memory.bandwidth", /implausibly small$/],
  ])("%s is refused when the deployment is built", async (line, path, problem) => {
    const issues = await issuesOfAsync(() => built(`${BASE}${line}\n`));
    expect(issues.find((i) => i.path === path)?.problem).toMatch(problem);
  });

  it.each([
    ["parameters.hopLatency: 0 ns", "parameters.hopLatency", "must be positive", "greater than zero"],
    ["parameters.hopLatency: -1 ns", "parameters.hopLatency", "negative", "greater than zero"],
    ["parameters.memoryEfficiency: 0", "parameters.memoryEfficiency", "too small", "at least 0.000001"],
    ["batch: 1000000001", "batch", "too large", "MAX_BATCH"],
    ["chips: 1000000000", "chips", "too large", "MAX_CHIPS"],
    ["promptTokens: 1e12", "promptTokens", "too large", "MAX_TOKENS"],
    ["speculation: {draftTokens: 100000, acceptance: 0.5}", "speculation.draftTokens", "too large", "MAX_DRAFT_TOKENS"],
  ])("%s is refused when read", async (line, path, problem, expected) => {
    const { loadScenario } = await import("../../src/scenario/load.js");
    const issue = issuesOf(() => loadScenario(tempFile("s.yaml", `${BASE}${line}\n`))).find((i) => i.path === path);
    expect(issue).toMatchObject({ problem });
    expect(issue?.expected).toContain(expected);
  });

  it.each([
    "model.config.__proto__.polluted: 1", // wrote into Object.prototype when the what-if was applied
    "hardware.constructor: 5", // found Object.prototype.constructor as a field and was accepted
    "sweep:\n  model.config.prototype.x: [1]",
  ])("%s is refused, and Object.prototype stays clean", async (line) => {
    const issues = await issuesOfAsync(() => built(`${BASE}${line}\n`));
    expect(issues[0]?.problem).toBe("forbidden key");
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("a relative parameter that stays in range is applied (x0.5 of the fitted hop latency)", async () => {
    const plan = await built(`${BASE}parameters.hopLatency: x0.5\n`);
    expect(plan.point(0).context.prepared.parameterSet.values["hopLatency"]?.text).toMatch(/^x0\.5 of /);
  });
});
