import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { batchTradeoffSpec } from "../../src/charts/batch.js";
import { parts, perTokenBreakdownSpec, ttftBreakdownSpec } from "../../src/charts/breakdown.js";
import { bandPcts, calibrationMetricSpec, calibrationSpecs } from "../../src/charts/calibration.js";
import { toChartJs, withAlpha } from "../../src/charts/chartjs.js";
import { dataRange, predictionSource, timeUnit, wrapSource } from "../../src/charts/format.js";
import { hardwareBarsSpec } from "../../src/charts/hardware.js";
import { specsFromInputs } from "../../src/charts/index.js";
import { readChartInputs } from "../../src/charts/input.js";
import { sessionTimelineSpec } from "../../src/charts/session.js";
import { batchCurve } from "../../src/charts/sets.js";
import { PALETTE, type ChartSpec, type Point } from "../../src/charts/spec.js";
import { axisGroups, defaultMetrics, pickAxisScale, pickScale, sweepLayout, sweepSpec, sweepSpecs, type SweepData } from "../../src/charts/sweep.js";
import { predict } from "../../src/engine/predict.js";
import { InputError } from "../../src/errors.js";
import { ROOT } from "../helpers.js";

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(ROOT, "tests/charts/fixtures", name), "utf8"));
const HW = ["cerebras-wse3", "nvidia-h100-sxm"];
const ps = HW.map((hardware) => predict({ model: "llama-3.1-8b", hardware, promptTokens: 2048, outputTokens: 128 }));
const points = (s: ChartSpec, i: number) => s.series[i]!.data as Point[];

describe("chart 1: per user against aggregate as the batch grows", () => {
  const curves = HW.map((h) => batchCurve("llama-3.1-8b", h, { promptTokens: 2048, outputTokens: 128 }, [1, 2, 4, 8]));
  const spec = batchTradeoffSpec(curves, "9.9.9");

  it("has one line per deployment, log axes with units", () => {
    expect(spec.series.map((s) => s.label)).toEqual(curves.map((c) => `${c.points[0]!.hardware.chips} x ${c.points[0]!.hardware.id}`));
    expect(spec.series.every((s) => s.kind === "line")).toBe(true);
    expect([spec.x.scale, spec.y.scale, spec.x.unit, spec.y.unit]).toEqual(["logarithmic", "logarithmic", "tok/s", "tok/s"]);
  });

  it("aggregate = batch x per user at every point, labelled with its batch", () => {
    // aggregate = batch / tpot and per user = 1 / tpot, so x / y is the batch
    for (let i = 0; i < spec.series.length; i++) {
      for (const p of points(spec, i)) expect((p.x as number) / (p.y as number)).toBeWithinRel(Number(p.label), 1e-12);
    }
  });

  it("holds the chips at the batch-1 placement", () => {
    for (const c of curves) expect(new Set(c.points.map((p) => p.hardware.chips)).size).toBe(1);
  });
});

describe("chart 2: tokens/s by hardware with the roofline", () => {
  const spec = hardwareBarsSpec(ps, "9.9.9");
  it("bars are the predictions, markers the rooflines", () => {
    expect(spec.series[0]!.data).toEqual(ps.map((p) => p.decode.tokensPerSecondPerUser));
    expect(spec.series[1]).toMatchObject({ kind: "marker", data: ps.map((p) => p.decode.rooflineTokensPerSecondPerUser) });
    expect(spec.x.labels).toEqual(ps.map((p) => `${p.hardware.chips} x ${p.hardware.id}`));
  });
});

describe("chart 3: breakdowns", () => {
  it("TTFT parts stack up to the prediction's TTFT", () => {
    const spec = ttftBreakdownSpec(ps, "9.9.9");
    const { factor } = timeUnit(Math.max(...ps.map((p) => p.ttftSeconds)));
    ps.forEach((p, i) => {
      const sum = spec.series.reduce((a, s) => a + (s.data[i] as number), 0);
      expect(sum).toBeWithinRel(p.ttftSeconds * factor, 1e-9);
    });
    expect(spec.series.every((s) => s.stack === "t")).toBe(true);
  });

  it("per-token parts stack up to the time per output token, and a serving stack adds its own bar part", () => {
    const stacks = { "cerebras-wse3": { name: "test stack", ttftSeconds: 0.01, perTokenSeconds: 0.0002 } };
    const spec = perTokenBreakdownSpec(ps, "9.9.9", stacks);
    expect(spec.series[0]!.label).toBe("serving stack");
    const { factor } = timeUnit(Math.max(...ps.map((p, i) => p.decode.timePerOutputTokenSeconds + (i === 0 ? 0.0002 : 0))));
    ps.forEach((p, i) => {
      const sum = spec.series.reduce((a, s) => a + (s.data[i] as number), 0);
      expect(sum).toBeWithinRel((p.decode.timePerOutputTokenSeconds + (i === 0 ? 0.0002 : 0)) * factor, 1e-9);
    });
  });

  it("latency groups mesh, sync, overhead and draft as boundOf does", () => {
    const b = { compute: 1, memory: 2, mesh: 3, sync: 4, interconnect: 5, overhead: 6, draft: 7 };
    expect(parts(b)).toEqual({ compute: 1, memory: 2, latency: 3 + 4 + 6 + 7, interconnect: 5 });
  });
});

describe("chart 4: calibration", () => {
  const cal = readChartInputs(fixture("calibration.json"), "calibration.json").calibration!;
  const specs = calibrationSpecs(cal, { origin: "test" });
  const decode = specs[0]!;

  it("draws one chart per metric, never two units on one pair of axes", () => {
    expect(specs.map((s) => s.id)).toEqual(["calibration-decode", "calibration-prefill"]);
    expect([decode.x.unit, decode.y.unit]).toEqual(["tok/s", "tok/s"]);
    // the fixture's one prefill reference is 0.25 s published, 0.31 s predicted: in ms
    expect(specs[1]!.x.unit).toBe("ms");
    expect(points(specs[1]!, 0)).toEqual([{ x: 250, y: 310, label: "ref-d" }]);
  });

  it("labels only known misses and references outside tolerance; every point keeps its id for the tooltip", () => {
    expect(decode.series[0]).toMatchObject({ label: "within tolerance" });
    expect(decode.series[0]!.pointLabels).toBeUndefined();
    expect(points(decode, 0).map((p) => p.label)).toEqual(["ref-a", "ref-b", "ref-c"]);
    expect(decode.series[1]).toMatchObject({ pointLabels: true, data: [{ x: 100, y: 160, label: "ref-e" }] });
    expect(decode.series[1]!.label).toContain("known miss");
    // the table lists every reference of the metric, with why a known miss misses
    expect(decode.table.rows.map((r) => r[0])).toEqual(["ref-a", "ref-b", "ref-c", "ref-e"]);
    expect(decode.table.rows[3]).toContain("a made-up reason");
  });

  it("keeps both axes to the data, widened to round 1-2-5 ends", () => {
    // decode data spans 58 .. 1800: 58 / 1.25 = 46.4 -> 20; 1800 * 1.25 = 2250 -> 5000
    expect([decode.x.min, decode.x.max, decode.y.min, decode.y.max]).toEqual([20, 5000, 20, 5000]);
    expect(dataRange([2300, 3000])).toEqual({ lo: 1000, hi: 5000 });
    expect(dataRange([0.004, 0.0011])).toEqual({ lo: 0.0005, hi: 0.005 });
  });

  it("draws y = x and the rows' common tolerance as a band x(1 +/- t)", () => {
    const yx = decode.series.find((s) => s.label.startsWith("y = x"))!;
    for (const p of yx.data as Point[]) expect(p.y).toBe(p.x);
    const i = decode.series.findIndex((s) => s.kind === "band");
    // every fixture row states 25%: upper edge 1.25 x, lower 0.75 x
    for (const p of points(decode, i)) expect(p.y as number).toBeWithinRel(1.25 * (p.x as number), 1e-12);
    for (const p of points(decode, i + 1)) expect(p.y as number).toBeWithinRel(0.75 * (p.x as number), 1e-12);
    expect(decode.series[i]!.fillTo).toBe(i + 1);
  });

  it("draws one band per stated tolerance and marks references outside their own", () => {
    const rows = [
      { id: "paper-ref", published: 100, predicted: 115, errorPct: 15, tolerancePct: 10 },
      { id: "vendor-ref", published: 10, predicted: 11.5, errorPct: 15, tolerancePct: 20 },
    ];
    expect(bandPcts(rows)).toEqual([20, 10]);
    expect(bandPcts(rows, 30)).toEqual([30]);
    const spec = calibrationMetricSpec({ references: rows, mapePct: 15, looMapePct: 15 }, "", { origin: "test" });
    // 15% error: outside the paper's 10%, inside the vendor's 20%
    expect(points(spec, 0).map((p) => p.label)).toEqual(["vendor-ref"]);
    expect(spec.series[1]).toMatchObject({ label: "outside tolerance (labelled)", pointLabels: true, data: [{ x: 100, y: 115, label: "paper-ref" }] });
    expect(spec.series.filter((s) => s.kind === "band" && s.legend !== false).map((s) => s.label)).toEqual(["tolerance +/-20% (1 reference)", "tolerance +/-10% (1 reference)"]);
    // each upper edge fills down to its own lower edge, the next series
    spec.series.forEach((s, i) => {
      if (s.fillTo !== undefined) expect(s.fillTo).toBe(i + 1);
    });
  });

  it("draws no band when no tolerance is known", () => {
    const bare = calibrationSpecs({ ...cal, references: cal.references.map(({ tolerancePct: _t, ...r }) => r) }, { origin: "test" })[0]!;
    expect(bare.series.map((s) => s.kind)).toEqual(["scatter", "scatter", "line"]);
    expect(bare.subtitle).toContain("no tolerance given");
  });
});

describe("chart 5: session timelines", () => {
  const inp = readChartInputs(fixture("sessions.json"), "sessions.json");
  const spec = sessionTimelineSpec(inp.sessions!, "test");

  it("lays each session's turns end to end: overhead, model, tool", () => {
    const spark = inp.sessions![0]!;
    // fixture turn 1: overhead 2, model 10, tool 20 -> spans [0,2], [2,12], [12,32]; turn 2 starts at 32
    expect(spark.segments.slice(0, 4)).toEqual([
      { kind: "overhead", startSeconds: 0, seconds: 2, turn: 1 }, { kind: "model", startSeconds: 2, seconds: 10, turn: 1 },
      { kind: "tool", startSeconds: 12, seconds: 20, turn: 1 }, { kind: "overhead", startSeconds: 32, seconds: 1, turn: 2 },
    ]);
    for (const s of inp.sessions!) {
      s.segments.forEach((g, i) => {
        if (i > 0) expect(g.startSeconds).toBeCloseTo(s.segments[i - 1]!.startSeconds + s.segments[i - 1]!.seconds, 9);
      });
    }
  });

  it("is horizontal floating bars, one dataset per kind, in minutes for a 16-minute session", () => {
    expect(spec.horizontal).toBe(true);
    expect(spec.series.map((s) => s.colour)).toEqual([PALETTE[0], PALETTE[1], PALETTE[4]]);
    // the longest fixture session is 960 s = 16 min, so the axis is in minutes
    expect(spec.x.unit).toBe("min");
    const first = points(spec, 0)[0]!;
    expect(first).toEqual({ x: [2 / 60, 12 / 60], y: "Spark on WSE-3" });
  });
});

describe("chart 6: sweeps", () => {
  const sweep = readChartInputs(fixture("sweep.json"), "sweep.json").sweep!;
  const opts = { origin: "test", file: "sweep.json" };

  it("reads `wafersim sweep --format json` rows: swept keys, metrics, note", () => {
    expect(sweep.axes).toEqual(["hardware", "chips", "batch"]);
    expect(sweep.kind).toBe("prediction");
    expect(sweep.rows).toHaveLength(8);
    expect(sweep.rows[7]!.note).toBe("does not fit the chips asked for");
  });

  it("finds zipped axes and puts the numeric one with most values along x", () => {
    expect(axisGroups(sweep)).toEqual([["hardware", "chips"], ["batch"]]);
    expect(sweepLayout(sweep)).toEqual({ x: "batch", numericX: true, series: ["hardware", "chips"] });
  });

  it("draws one line per value of the other axes, points in x order, a gap where a point could not run", () => {
    const spec = sweepSpec(sweep, "decode.tokensPerSecondPerUser", opts);
    expect(spec.series.map((s) => s.label)).toEqual(["wafer-x, chips auto", "gpu-y, chips 8"]);
    expect(points(spec, 0).map((p) => p.x)).toEqual([1, 4, 16, 64]);
    // gpu-y at batch 64 has no value: three points, the last labelled with why the line ends there
    expect(points(spec, 1)).toEqual([{ x: 1, y: 80 }, { x: 4, y: 56 }, { x: 16, y: 28, label: "ends: the model no longer fits in memory" }]);
    expect(spec.subtitle).toContain("1 point could not run");
    expect(spec.subtitle).toContain("a line ends early where the model no longer fits in memory (labelled)");
    expect(spec.warnings).toEqual([{ code: "line-ends", message: "the line gpu-y, chips 8 ends at batch 16: at 64 the model no longer fits in memory" }]);
    expect(spec.table.rows).toHaveLength(8);
    expect(spec.table.rows[7]).toEqual(["gpu-y", "8", "64", "-", "does not fit the chips asked for"]);
    // batch 1..64 is not evenly spaced: log x
    expect(spec.x.scale).toBe("logarithmic");
  });

  it("draws time metrics in a readable unit", () => {
    const spec = sweepSpec(sweep, "ttftSeconds", opts);
    // largest TTFT 4.8 s: seconds
    expect(spec.y.unit).toBe("s");
    expect(sweepSpec(sweep, "decode.timePerOutputTokenSeconds", opts).y.unit).toBe("ms");
  });

  it("chooses metrics by the swept axes, and says which exist when asked for another", () => {
    expect(defaultMetrics(sweep)).toEqual(["decode.tokensPerSecondPerUser", "decode.aggregateTokensPerSecond"]);
    expect(() => sweepSpec(sweep, "decode.bound", opts)).toThrow(InputError);
    expect(() => sweepSpecs(sweep, ["speed"], opts)).toThrow(/no numeric metric "speed" in sweep.json/);
  });

  it("draws grouped bars when no swept axis is numeric", () => {
    const cats: SweepData = {
      axes: ["hardware", "precision"], kind: "prediction",
      rows: [["a", "bf16", 1], ["a", "fp8", 2], ["b", "bf16", 3], ["b", "fp8", 4]].map(([h, p, v]) => ({ axes: { hardware: h!, precision: p! }, metrics: { ttftSeconds: v! }, note: "" })),
    };
    const spec = sweepSpec(cats, "ttftSeconds", opts);
    expect(spec.x).toMatchObject({ scale: "category", labels: ["bf16", "fp8"] });
    expect(spec.series.map((s) => [s.label, s.kind, s.data])).toEqual([["a", "bar", [1, 2]], ["b", "bar", [3, 4]]]);
  });

  it("reads relative what-ifs (x0.5) as numbers", () => {
    const rel: SweepData = { axes: ["parameters.hopLatency"], kind: "prediction", rows: ["x0.5", "x1", "x2"].map((c, i) => ({ axes: { "parameters.hopLatency": c }, metrics: { "decode.tokensPerSecondPerUser": 100 - i }, note: "" })) };
    const spec = sweepSpec(rel, "decode.tokensPerSecondPerUser", opts);
    expect(points(spec, 0).map((p) => p.x)).toEqual([0.5, 1, 2]);
    expect(spec.x.unit).toBe("x");
  });

  it("uses a log scale only for positive values spanning more than 20x; a swept axis: log unless evenly spaced", () => {
    expect(pickScale([1, 64])).toBe("logarithmic");
    expect(pickScale([1, 20])).toBe("linear");
    expect(pickScale([0, 1000])).toBe("linear");
    expect(pickAxisScale([2, 4, 6, 8])).toBe("linear");
    expect(pickAxisScale([8192, 16384, 32768, 65536])).toBe("logarithmic");
    expect(pickAxisScale([0.5, 0.6, 0.7])).toBe("linear");
  });
});

describe("every spec", () => {
  const bundle = readChartInputs({ predictions: ps, calibration: fixture("calibration.json"), sessions: (fixture("sessions.json") as { sessions: unknown }).sessions, sweep: fixture("sweep.json") }, "bundle.json");
  const specs = specsFromInputs(bundle, { version: "9.9.9", file: "/x/bundle.json" });

  it("gives charts 2, 3a, 3b, 4 (per metric), 5 and 6 (per metric) for a bundle", () => {
    expect(specs.map((s) => s.id)).toEqual([
      "hardware-speed", "ttft-breakdown", "per-token-breakdown", "calibration-decode", "calibration-prefill", "session-timeline", "session-turns-1", "session-turns-2",
      "sweep-decode-tokensPerSecondPerUser", "sweep-decode-aggregateTokensPerSecond",
    ]);
  });

  it.each(specs.map((s) => [s.id, s] as const))("%s: titled axes with units, a source line, a table, palette colours, JSON-only config", (_id, s) => {
    expect(s.title.length).toBeGreaterThan(0);
    expect(s.source).toMatch(/^Source: /);
    expect(s.table.rows.length).toBeGreaterThan(0);
    for (const r of s.table.rows) expect(r).toHaveLength(s.table.columns.length);
    for (const se of s.series) expect(PALETTE as readonly string[]).toContain(se.colour);
    const cfg = toChartJs(s);
    expect(JSON.parse(JSON.stringify(cfg))).toEqual(cfg);
    const scales = cfg.options["scales"] as Record<string, { title: { text: string } }>;
    for (const a of [s.x, s.y]) if (a.unit !== "") expect(Object.values(scales).map((x) => x.title.text)).toContain(`${a.title} (${a.unit})`);
  });

  it("prediction charts name the version and each parameter set's provenance", () => {
    const src = predictionSource(ps, "9.9.9");
    expect(src).toContain("wafersim 9.9.9");
    for (const p of ps) expect(src).toContain(`${p.software.id} on ${p.hardware.id} (${p.software.provenance.method} ${p.software.provenance.date})`);
    expect(specs[0]!.source).toBe(src);
  });
});

describe("helpers", () => {
  it("wraps a source line at separators within the width", () => {
    const text = Array.from({ length: 30 }, (_, i) => `part number ${i}`).join("; ");
    const lines = wrapSource(text, 60);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
    expect(lines.join(" ")).toBe(text);
  });
  it("picks a time unit by the largest value", () => {
    expect(timeUnit(0.5e-3)).toEqual({ unit: "us", factor: 1e6 });
    expect(timeUnit(0.2)).toEqual({ unit: "ms", factor: 1e3 });
    expect(timeUnit(30)).toEqual({ unit: "s", factor: 1 });
    expect(timeUnit(960).unit).toBe("min");
  });
  it("turns #RRGGBB into rgba", () => {
    expect(withAlpha("#0072B2", 0.5)).toBe("rgba(0,114,178,0.5)");
  });
});

describe("results.json problems", () => {
  const issues = (data: unknown): string[] => {
    try {
      readChartInputs(data, "r.json");
    } catch (e) {
      if (e instanceof InputError) return e.issues.map((i) => `${i.path}: ${i.problem}`);
      throw e;
    }
    return [];
  };
  it("names every bad field with its path", () => {
    expect(issues({ references: [{ id: "a", published: 1, predicted: "x", errorPct: 0 }], mapePct: 1 })).toEqual(["references.0.predicted: wrong type", "looMapePct: missing"]);
    expect(issues({ wallSeconds: 3, turns: [{ segments: [{ kind: "lunch", seconds: 1 }] }] })).toEqual(["turns.0.segments.0.kind: not a known kind"]);
    expect(issues([{ batch: 1, "decode.tokensPerSecondPerUser": 3, note: "" }, { batch: [1], "decode.tokensPerSecondPerUser": 2, note: 5 }])).toEqual(["1.batch: wrong type", "1.note: wrong type"]);
    expect(issues({ sweep: { nope: 1 } })).toEqual(["sweep: not a sweep"]);
    expect(issues([{ nope: 1 }])).toEqual(["0: not a prediction"]);
    expect(issues({ hello: 1 })).toEqual([": not a result wafersim can chart"]);
  });
});

describe("chart 5 from src/agent's sessions", () => {
  it("lays a simulated session's turns out so the spans add up to its wall time", async () => {
    const { simulateSession } = await import("../../src/agent/index.js");
    const runs = [simulateSession({ task: "swe-bench-pro", model: "codex-spark-proxy", hardware: "cerebras-wse3", stack: "websocket" })];
    const inp = readChartInputs(JSON.parse(JSON.stringify(runs)), "sessions.json");
    const s = inp.sessions![0]!;
    expect(s.label).toBe(`codex-spark-proxy on ${runs[0]!.hardware.chips} x cerebras-wse3 (websocket)`);
    expect(s.turns).toBe(runs[0]!.turns.length);
    // spans are laid end to end from 0, so the last one ends at the session's wall time
    const last = s.segments[s.segments.length - 1]!;
    expect(last.startSeconds + last.seconds).toBeWithinRel(runs[0]!.wallSeconds, 1e-9);
    expect(s.segments.filter((g) => g.kind === "tool").reduce((a, g) => a + g.seconds, 0)).toBeWithinRel(runs[0]!.split.toolSeconds, 1e-9);
  });
});
