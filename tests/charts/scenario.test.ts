import { describe, expect, it } from "vitest";
import { loadReferences } from "../../src/calibration/references.js";
import { parameterSets } from "../../src/engine/parameters.js";
import { wafersimLogTick } from "../../src/charts/plugins.js";
import { hardwarePoints, reportParts, scenarioCharts, uniqueIds } from "../../src/charts/scenario.js";
import { calibrationSetSpecs, sessionsSetSpecs, SESSION_RUNS } from "../../src/charts/sets.js";
import type { Point } from "../../src/charts/spec.js";
import type { SweepData } from "../../src/charts/sweep.js";
import { loadScenario } from "../../src/scenario/load.js";
import { makePlan } from "../../src/scenario/plan.js";

/** "cerebras-2024-10 on cerebras-wse3 (fitted 2026-11-25)": how a source line names a parameter set's version. */
const setText = (software: string, hardware: string) => {
  const set = parameterSets().find((s) => s.software.id === software && s.hardware.includes(hardware))!;
  return `${software} on ${hardware} (${set.provenance.method} ${set.provenance.date})`;
};

describe("charts of a scenario file", () => {
  it("context-8k-128k: decode speed and TTFT against prompt length, one line, from the scenario's own plan", async () => {
    const sc = await scenarioCharts("context-8k-128k", { version: "9.9.9" });
    expect(sc.name).toBe("context-8k-128k");
    expect(sc.specs.map((s) => s.id)).toEqual(["sweep-decode-tokensPerSecondPerUser", "sweep-ttftSeconds"]);
    const plan = await makePlan(loadScenario("context-8k-128k"));
    const ttft = sc.specs[1]!;
    // one line (and, when the points carry bands, the band's two edges)
    expect(ttft.series.filter((x) => x.kind !== "band")).toHaveLength(1);
    // the points are the plan's: prompt lengths along x, the plan's TTFT (in the chart's unit) up y
    const scale = ({ s: 1, ms: 1e3, us: 1e6 } as Record<string, number>)[ttft.y.unit]!;
    expect(scale).toBeDefined();
    const line = ttft.series.find((x) => x.kind !== "band")!;
    (line.data as Point[]).forEach((p, i) => {
      const q = plan.point(i);
      expect(p.x).toBe(q.axes["promptTokens"]);
      expect(p.y).toBeWithinRel((q.metrics["ttftSeconds"] as number) * scale, 1e-12);
    });
    expect(ttft.source).toContain("scenarios/context-8k-128k.yaml (extends scenarios/codex-spark.yaml)");
    expect(ttft.source).toContain(setText("cerebras-2024-10", "cerebras-wse3"));
  });

  it("--metric picks the sweep metric", async () => {
    const sc = await scenarioCharts("context-8k-128k", { version: "t", metrics: ["memory.neededBytes"] });
    expect(sc.specs.map((s) => [s.id, s.y.unit])).toEqual([["sweep-memory-neededBytes", "GB"]]);
  });

  it("a hardware comparison adds charts 2 and 3 at the first value of the other axes", async () => {
    const sc = await scenarioCharts("batch-vs-speed", { version: "t" });
    expect(sc.specs.map((s) => s.id)).toEqual([
      "sweep-decode-tokensPerSecondPerUser", "sweep-decode-aggregateTokensPerSecond", "hardware-speed", "ttft-breakdown", "per-token-breakdown",
    ]);
    const bars = sc.specs[2]!;
    expect(bars.x.labels!.map((l) => l.replace(/^\d+ x /, ""))).toEqual(["cerebras-wse3", "nvidia-h200"]);
    expect(bars.subtitle).toContain("at batch 1");
  });

  it("agent-session scenarios chart session metrics and no hardware bars", async () => {
    const sc = await scenarioCharts("agent-time-vs-speed", { version: "t" });
    expect(sc.specs.map((s) => s.id)).toEqual(["sweep-session-wallSeconds", "sweep-session-decodeTokensPerSecond"]);
    expect(sc.specs[0]!.series.map((s) => s.label)).toEqual(["nvidia-h100-sxm, chips 8, tensorParallel 8", "nvidia-h200, chips 8, tensorParallel 8", "nvidia-b200, chips 8, tensorParallel 8", "cerebras-wse3, chips 4, tensorParallel 1"]);
  });

  it("a scenario with no sweep gives its prediction's charts 2 and 3", async () => {
    const sc = await scenarioCharts("wafer-baseline", { version: "t" });
    expect(sc.specs.map((s) => s.id)).toEqual(["hardware-speed", "ttft-breakdown", "per-token-breakdown"]);
  });

  it("hardwarePoints: one row per hardware, others at their first value, only rows that ran", () => {
    const row = (hardware: string, batch: number, note = "") => ({ axes: { hardware, batch }, metrics: {}, note });
    const d: SweepData = { axes: ["hardware", "batch"], kind: "prediction", rows: [row("a", 1), row("a", 2), row("b", 1, "does not fit"), row("b", 2), row("c", 1)] };
    expect(hardwarePoints(d)).toEqual({ indices: [0, 4], fixed: ["batch 1"] });
    expect(hardwarePoints({ ...d, kind: "session" })).toBeUndefined();
  });
});

describe("live sets", () => {
  it("calibration: one chart per metric from the stored parameters, naming each set's provenance", () => {
    const specs = calibrationSetSpecs("9.9.9");
    // one chart per metric the references use
    const metrics = [...new Set(loadReferences().references.map((r) => r.metric))];
    expect(specs).toHaveLength(metrics.length);
    expect(specs.map((s) => s.id)).toContain("calibration-decode");
    for (const s of specs) {
      expect(s.source).toContain("wafersim 9.9.9 calibrate with the stored parameters");
      for (const set of parameterSets()) for (const h of set.hardware) {
        if (s.source.includes(` on ${h} (`)) expect(s.source).toContain(setText(set.software.id, h));
      }
    }
    expect(specs[0]!.source).toContain(setText("cerebras-2024-10", "cerebras-wse3"));
  });

  it("sessions: Spark on WSE-3 over WebSocket against Codex on H200 over HTTP, with both parameter sets", () => {
    const [spec] = sessionsSetSpecs("9.9.9");
    expect(spec!.y.labels!.filter((l) => !l.endsWith(": totals")).map((l) => l.replace(/ on \d+ x /, " on "))).toEqual(
      SESSION_RUNS.map((r) => `${r.model} on ${r.hardware} (${r.stack})`),
    );
    expect(spec!.source).toContain("models/tasks/swe-bench-pro.yaml");
    expect(spec!.source).toContain(setText("cerebras-2024-10", "cerebras-wse3"));
    expect(spec!.source).toContain(setText("tensorrt-llm", "nvidia-h200"));
  });

  it("report: every part, chart ids unique", async () => {
    const parts = await reportParts("t");
    expect(parts.map((p) => p.id)).toEqual(["codex-spark", "calibration", "sessions", "context-8k-128k"]);
    const ids = parts.flatMap((p) => p.specs.map((s) => s.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("uniqueIds prefixes a clashing id with its part", () => {
    const spec = (id: string) => ({ id }) as never;
    const parts = uniqueIds([{ id: "a", title: "", description: "", specs: [spec("x")] }, { id: "b", title: "", description: "", specs: [spec("x"), spec("y")] }]);
    expect(parts.map((p) => p.specs.map((s) => s.id))).toEqual([["x"], ["b-x", "y"]]);
  });
});

describe("log-axis tick labels", () => {
  const ticks = (vs: number[]) => vs.map((value) => ({ value }));
  it("label 1, 2 and 5 times a power of ten, and an end only when no such label is within 1.5x", () => {
    const t = ticks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 64]);
    expect(t.map((x, i) => wafersimLogTick(x.value, i, t))).toEqual(["1", "2", "", "", "5", "", "", "", "", "10", "20", "", "", "50", "", ""]);
    const u = ticks([16.4, 20, 30, 3000, 3750]);
    // 16.4 is within 1.5x of 20 (hidden); 3,750 is not within 1.5x of any 1-2-5 label here (shown)
    expect(u.map((x, i) => wafersimLogTick(x.value, i, u))).toEqual(["", "20", "", "", "3,750"]);
    expect(wafersimLogTick(0.005, 1, ticks([0.001, 0.005, 0.01]))).toBe("0.005");
  });
});
