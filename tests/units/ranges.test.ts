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
import { gpuYaml, issuesOf, tempFile } from "../helpers.js";

const wse3 = readFileSync(`${MODELS_DIR}hardware/cerebras-wse3.yaml`, "utf8");
const wafer = (from: string, to: string) => {
  expect(wse3).toContain(from);
  return tempFile("wafer.yaml", wse3.replace(from, to));
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
    ["cores: 2.5", "cores: {value: 900000,", "cores: {value: 2.5,", "mesh.cores.value", "not a whole number", undefined],
    ["cores: 1e308", "cores: {value: 900000,", "cores: {value: 1e308,", "mesh.cores.value", "too large", "MAX_CORES"],
    ["width: 0", "width: {value: 762,", "width: {value: 0,", "mesh.width.value", "too small", undefined],
  ])("hardware %s is refused", (_what, from, to, path, problem, limit) => {
    const [issue] = issuesOf(() => loadHardware(wafer(from, to)));
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
