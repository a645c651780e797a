import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { batchTradeoffSpec } from "../../src/charts/batch.js";
import { toChartJs } from "../../src/charts/chartjs.js";
import { hardwareBarsSpec } from "../../src/charts/hardware.js";
import { specsFromInputs } from "../../src/charts/index.js";
import { readChartInputs } from "../../src/charts/input.js";
import { sessionTimelineOf } from "../../src/charts/input.js";
import { sessionTurnsSpec } from "../../src/charts/session.js";
import { sweepSpec, type SweepData } from "../../src/charts/sweep.js";
import { simulateSession } from "../../src/agent/session.js";
import { predict, type Prediction } from "../../src/engine/predict.js";
import { cli, tempFile } from "../helpers.js";

const banded = (p: Prediction, low: number, high: number): Prediction => ({
  ...p, uncertainty: { "decode.tokensPerSecondPerUser": { low, high, basis: "test", assumed: [] } },
});

describe("error bands in charts", () => {
  it("hardware bars carry whiskers from each prediction's band, and the table shows it", () => {
    const a = banded(predict({ model: "llama-3.1-8b", hardware: "cerebras-wse3" }), 1500, 2100);
    const b = { ...predict({ model: "llama-3.1-8b", hardware: "nvidia-h100-sxm" }), uncertainty: {} };
    const spec = hardwareBarsSpec([a, b], "test");
    expect(spec.series[0]!.errorBars).toEqual([{ low: 1500, high: 2100 }, null]);
    expect(spec.table.rows[0]![1]).toMatch(/\(1,500-2,100\)$/);
    const ds = toChartJs(spec).data.datasets[0]!;
    expect(ds["wafersimErrorBars"]).toEqual([{ low: 1500, high: 2100 }, null]);
    // without bands: no whiskers at all
    expect(hardwareBarsSpec([b], "test").series[0]!.errorBars).toBeUndefined();
  });

  it("batch curves carry them on their points", () => {
    const p = banded(predict({ model: "llama-3.1-8b", hardware: "nvidia-h100-sxm" }), 100, 200);
    expect(batchTradeoffSpec([{ points: [p] }], "test").series[0]!.errorBars).toEqual([{ low: 100, high: 200 }]);
  });

  it("a sweep line gets a shaded band: its upper edge filled down to its lower edge", () => {
    const data: SweepData = {
      axes: ["batch"], kind: "prediction",
      rows: [1, 2, 4].map((b) => ({ axes: { batch: b }, metrics: { "decode.tokensPerSecondPerUser": 1000 / b }, note: "", bands: { "decode.tokensPerSecondPerUser": { low: 900 / b, high: 1100 / b } } })),
    };
    const spec = sweepSpec(data, "decode.tokensPerSecondPerUser", { origin: "o", file: "f" });
    const [high, low, line] = spec.series;
    expect([high!.kind, low!.kind, line!.kind]).toEqual(["band", "band", "line"]);
    expect(high!.fillTo).toBe(1);
    expect(high!.data).toEqual([{ x: 1, y: 1100 }, { x: 2, y: 550 }, { x: 4, y: 275 }]);
    expect(low!.data).toEqual([{ x: 1, y: 900 }, { x: 2, y: 450 }, { x: 4, y: 225 }]);
    expect(spec.table.rows[0]![1]).toBe("1,000 tok/s (900-1,100)");
  });

  it("reads a sweep's <metric>.low and <metric>.high columns as the band, not as swept keys", () => {
    const inp = readChartInputs([
      { batch: 1, "decode.tokensPerSecondPerUser": 1000, "decode.tokensPerSecondPerUser.low": 900, "decode.tokensPerSecondPerUser.high": 1100, note: "" },
      { batch: 2, "decode.tokensPerSecondPerUser": 800, "decode.tokensPerSecondPerUser.low": 700, "decode.tokensPerSecondPerUser.high": 900, note: "" },
    ], "f.json");
    expect(inp.sweep!.axes).toEqual(["batch"]);
    expect(inp.sweep!.rows[1]!.bands).toEqual({ "decode.tokensPerSecondPerUser": { low: 700, high: 900 } });
  });
});

describe("targets and sources of results files", () => {
  it("chart --target draws the target as a dashed line at its value, and charts its metric", () => {
    const dir = mkdtempSync(join(tmpdir(), "wafersim-target-"));
    const r = cli(["chart", "speculative", "--out", dir, "--format", "html", "--target", "decode.tokensPerSecondPerUser>=2500"]);
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, "speculative.html"), "utf8");
    const data = JSON.parse(/<script type="application\/json" id="wafersim-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as { config: { data: { datasets: { label: string; borderDash?: number[]; data: { y: number }[] }[] } } }[];
    const target = data[0]!.config.data.datasets.find((d) => d.label.startsWith("target"))!;
    expect(target.label).toBe("target: decode.tokensPerSecondPerUser >= 2,500 tok/s");
    expect(target.borderDash).toBeDefined();
    expect(target.data.map((d) => d.y)).toEqual([2500, 2500]);
  });

  it("a solve result charts as its metric over the varied key, with the target", () => {
    const s = cli(["solve", "speculative", "--vary", "speculation.acceptance", "--target", "decode.tokensPerSecondPerUser>=2500", "--json"]);
    const inp = readChartInputs(JSON.parse(s.stdout), "solve.json");
    expect(inp.targets).toEqual([{ metric: "decode.tokensPerSecondPerUser", op: ">=", value: 2500 }]);
    const specs = specsFromInputs(inp, { version: "t", file: "solve.json" });
    expect(specs.map((x) => x.id)).toEqual(["sweep-decode-tokensPerSecondPerUser"]);
    expect(specs[0]!.series.some((x) => x.dashed && x.label.startsWith("target"))).toBe(true);
    // the solve records what it rests on
    expect(specs[0]!.source).toMatch(/model llama-3.1-70b; hardware cerebras-wse3; parameters cerebras-2024-10 on cerebras-wse3 \(fitted [\d-]+\)/);
  });

  it("a sweep's source line names model, hardware and parameter sets when the file records them, else says so", () => {
    const rows = [{ batch: 1, "decode.tokensPerSecondPerUser": 1000, note: "" }, { batch: 2, "decode.tokensPerSecondPerUser": 900, note: "" }];
    const bare = specsFromInputs(readChartInputs(rows, "f.json"), { version: "t", file: "f.json" });
    expect(bare[0]!.source).toContain("model, hardware and parameter-set version: not recorded in the file");
    const meta = { provenance: { wafersim: "0.1.0", models: ["llama-3.1-70b"], hardware: ["nvidia-h200"], parameterSets: [{ software: "tensorrt-llm", hardware: "nvidia-h200", method: "fitted", date: "2026-11-25" }] }, rows };
    const recorded = specsFromInputs(readChartInputs(meta, "f.json"), { version: "t", file: "f.json" });
    expect(recorded[0]!.source).toContain("model llama-3.1-70b; hardware nvidia-h200; parameters tensorrt-llm on nvidia-h200 (fitted 2026-11-25)");
    // run --json records it
    const run = cli(["run", "batch-vs-speed", "--json"]);
    const fromRun = specsFromInputs(readChartInputs(JSON.parse(run.stdout), tempFile("run.json", run.stdout)), { version: "t", file: "run.json" });
    expect(fromRun[0]!.source).toMatch(/model llama-3.1-70b; hardware cerebras-wse3, nvidia-h200; parameters cerebras-2024-10 on cerebras-wse3 \(fitted [\d-]+\), tensorrt-llm on nvidia-h200/);
  });
});

describe("a session turn by turn", () => {
  it("one stacked bar per turn whose parts add up to the session's wall time", () => {
    const r = simulateSession({ task: "swe-bench-pro", model: "codex-spark-proxy", hardware: "cerebras-wse3", stack: "websocket" });
    const spec = sessionTurnsSpec(sessionTimelineOf(r), "o");
    expect(spec.x.labels).toHaveLength(r.turns.length);
    expect(spec.series.map((s) => s.label.split(" ")[0])).toEqual(["model", "tool", "serving"]);
    const factor = { s: 1, min: 60, ms: 1e-3, us: 1e-6 }[spec.y.unit as "s"];
    const sum = spec.series.flatMap((s) => s.data as number[]).reduce((a, v) => a + v, 0) * factor;
    expect(sum).toBeWithinRel(r.wallSeconds, 1e-9);
    // the overhead part of every turn: the stack's request parts and streaming (turn 1 also opens the session)
    const overhead = spec.series[2]!.data as number[];
    expect(overhead[0]! * factor).toBeWithinRel(r.split.overhead.sessionOpenSeconds + r.turns[0]!.ttft.network + r.turns[0]!.ttft.sessionStartup + r.turns[0]!.ttft.requestHandling + r.turns[0]!.ttft.queueing + r.turns[0]!.streamingSeconds, 1e-9);
  });
});
