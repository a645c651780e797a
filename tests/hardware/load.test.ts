import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { hardwareFromData, loadHardware } from "../../src/hardware/load.js";
import { listIds } from "../../src/registry.js";
import { gpuYaml, issuesOf, tempFile } from "../helpers.js";


describe("hardware descriptions", () => {
  it("ships the ids the issues name", () => {
    expect(listIds("hardware")).toEqual(expect.arrayContaining(["cerebras-wse3", "cerebras-wse2", "nvidia-a100-80gb", "nvidia-h100-sxm", "nvidia-h200", "nvidia-b200"]));
  });

  it("parses every figure to SI with its source", () => {
    const h = loadHardware("cerebras-wse3");
    // one source of truth: the usable fabric's 762 x 1,172 = 893,064 cores x 48 KiB = 43.90 GB
    expect(h.mesh!.cores.value).toBe(762 * 1172);
    expect(h.memory.capacity.value).toBeWithinRel(762 * 1172 * 49152, 1e-3);
    expect(h.memory.bandwidth.value).toBe(21e15);
    expect(h.interconnect.scaleOut.bandwidth.value).toBe(1.2e12 / 8); // 12 x 100 GbE in bytes/s
    expect(h.memory.capacity.source).toMatch(/mesh\.cores x mesh\.sramPerCore/);
    expect(h.mesh!.width!.source).toMatch(/WaferLLM/);
    for (const id of listIds("hardware")) {
      const hw = loadHardware(id);
      expect(hw.memory.bandwidth.source.length).toBeGreaterThan(5);
      expect(hw.compute.bf16.source.length).toBeGreaterThan(5);
    }
  });

  const base = gpuYaml;

  it("names file, field, value and expectation for a wrong dimension", () => {
    const f = tempFile("bad.yaml", base("21 PB"));
    const [i] = issuesOf(() => loadHardware(f));
    expect(i).toMatchObject({ file: f, path: "memory.bandwidth.value", problem: "wrong dimension", got: '"21 PB"' });
    expect(i?.expected).toMatch(/bandwidth/);
  });

  it("reports every problem in a file, not only the first", () => {
    const f = tempFile("bad.yaml", base("-3 TB/s").replace("989 TFLOP/s", "989 TB").replace("kind: gpu", "kind: gpu\nflops: 320"));
    const issues = issuesOf(() => loadHardware(f));
    expect(issues.map((i) => i.path).sort()).toEqual(["compute.bf16.value", "flops", "memory.bandwidth.value"]);
  });

  it.each([
    ["zero", "0 TB/s", "must be positive"],
    ["bare number", "3350", "a bare number has no unit"],
  ])("refuses a %s", (_what, value, problem) => {
    const f = tempFile("bad.yaml", base(value));
    expect(issuesOf(() => loadHardware(f))[0]?.problem).toContain(problem);
  });

  it("refuses a figure without a source", () => {
    const f = tempFile("bad.yaml", base("3.35 TB/s").replace("capacity: {value: 80 GB, source: s}", "capacity: 80 GB"));
    expect(issuesOf(() => loadHardware(f))[0]).toMatchObject({ path: "memory.capacity", problem: "a figure needs its source" });
  });

  it("refuses unknown ids and missing files", () => {
    expect(issuesOf(() => loadHardware("nvidia-h300"))[0]).toMatchObject({ file: "--hardware", problem: "unknown hardware id" });
    expect(issuesOf(() => loadHardware("/nonexistent/x.yaml"))[0]).toMatchObject({ problem: "file not found" });
  });
});

describe("one source of truth for a wafer's mesh and SRAM", () => {
  const shipped = (id: string) => parse(readFileSync(`models/hardware/${id}.yaml`, "utf8")) as { mesh: Record<string, { value: unknown }>; memory: { capacity: { value: unknown } } };

  it("every shipped wafer agrees with itself: cores = width x height, capacity = cores x SRAM per core", () => {
    for (const id of ["cerebras-wse2", "cerebras-wse3"]) {
      const hw = hardwareFromData(`${id}.yaml`, shipped(id));
      const m = hw.mesh!;
      expect(m.cores.value).toBe(m.width!.value * m.height!.value);
      expect(hw.memory.capacity.value).toBeWithinRel(m.cores.value * m.sramPerCore.value, 0.005);
    }
  });

  it("refuses a marketed core count beside the measured grid, naming the field and the product", () => {
    const data = shipped("cerebras-wse3");
    data.mesh["cores"]!.value = 900000;
    expect(() => hardwareFromData("wse3.yaml", data)).toThrow(/mesh\.cores: is not mesh\.width x mesh\.height, got 900000, expected 762 x 1172 = 893064/);
  });

  it("refuses a capacity the cores and their SRAM do not give", () => {
    const data = shipped("cerebras-wse3");
    data.memory.capacity.value = "45 GB"; // 44 GB is the same figure rounded (0.2% off): allowed
    expect(() => hardwareFromData("wse3.yaml", data)).toThrow(/memory\.capacity: disagrees with mesh\.cores x mesh\.sramPerCore, got 45\.00 GB, expected 43\.90 GB/);
  });
});
