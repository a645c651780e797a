import { inputError } from "../errors.js";
import { num, timeUnit } from "./format.js";
import type { Warning } from "../engine/types.js";
import { colour, PALETTE, type AxisScale, type ChartSpec, type Point, type Series } from "./spec.js";
import { metricInfo } from "../scenario/metrics.js";

/** A cell of a sweep row, as `wafersim sweep --format json` writes it. */
export type Cell = number | string | boolean | null;

/** One point of a sweep: the value of each axis, every metric (SI units), and why it could not run ("" when it did). */
export interface SweepRow {
  readonly axes: Readonly<Record<string, Cell>>;
  readonly metrics: Readonly<Record<string, Cell>>;
  readonly note: string;
  /** error bands by metric (SI, as the metric), when the results carry them */
  readonly bands?: Readonly<Record<string, { readonly low: number; readonly high: number }>>;
}

/** A target to draw as a line: from `solve --target`, `chart --target`, or a serving SLO. */
export interface ChartTarget {
  readonly metric: string;
  readonly op: string;
  /** in the metric's SI unit */
  readonly value: number;
  /** what it is, e.g. "SLO: p99 TTFT" (default "target") */
  readonly label?: string;
}

/**
 * A scenario's sweep: the rows `wafersim sweep --format json` (or `run --json`) prints, or the
 * points of a plan. Prediction sweeps carry src/scenario/fast.ts's METRICS, agent-session
 * sweeps (`task`) its SESSION_METRICS.
 */
export interface SweepData {
  /** the swept keys, in the scenario's order */
  readonly axes: readonly string[];
  readonly rows: readonly SweepRow[];
  readonly kind: "prediction" | "session";
  /** the scenario's title, when known */
  readonly title?: string;
}

/** Metrics that are not numbers (drawn in the table only). */
const NOT_NUMERIC = new Set(["decode.bound", "memory.fits"]);

/** The metrics of the rows that can be drawn: numeric ones, in the rows' order. */
export function chartableMetrics(data: SweepData): string[] {
  const first = data.rows[0];
  return first ? Object.keys(first.metrics).filter((m) => !NOT_NUMERIC.has(m)) : [];
}

/**
 * The metrics drawn when none is asked for: per-user decode speed (mean speed and wall time for
 * agent sessions), plus what the swept axis changes most directly: time to first token when the
 * prompt grows, aggregate throughput when the batch does.
 */
export function defaultMetrics(data: SweepData): string[] {
  const has = new Set(chartableMetrics(data));
  const want = data.kind === "session"
    ? ["session.wallSeconds", "session.decodeTokensPerSecond"]
    : ["decode.tokensPerSecondPerUser", ...(data.axes.includes("promptTokens") ? ["ttftSeconds"] : []), ...(data.axes.includes("batch") ? ["decode.aggregateTokensPerSecond"] : [])];
  return want.filter((m) => has.has(m));
}

/** Logarithmic when every value is positive and they span more than 20x. */
export function pickScale(values: readonly number[]): "linear" | "logarithmic" {
  if (values.length === 0 || values.some((v) => !(v > 0))) return "linear";
  return Math.max(...values) / Math.min(...values) > 20 ? "logarithmic" : "linear";
}

/**
 * Scale for a swept axis: linear for evenly spaced values (a linear range), logarithmic for
 * positive values spanning at least 4x that are not evenly spaced (log ranges, powers of two).
 */
export function pickAxisScale(values: readonly number[]): "linear" | "logarithmic" {
  const v = [...new Set(values)].sort((a, b) => a - b);
  if (v.length < 2 || v[0]! <= 0) return "linear";
  const steps = v.slice(1).map((x, i) => x - v[i]!);
  const even = steps.every((s) => Math.abs(s - steps[0]!) <= 1e-9 * Math.max(1, Math.abs(steps[0]!)));
  if (even && v.length >= 3) return "linear";
  return v[v.length - 1]! / v[0]! >= 4 ? "logarithmic" : "linear";
}

/** "x0.5": a relative what-if, the deployment's own value times 0.5. */
const RELATIVE = /^x((\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)$/;

interface AxisInfo {
  readonly title: string;
  readonly unit: string;
  /** the axis value as a number for plotting, or undefined when it is not numeric */
  readonly numeric: (c: Cell) => number | undefined;
}

const AXIS_TITLES: Readonly<Record<string, { readonly title: string; readonly unit: string }>> = {
  batch: { title: "batch (concurrent users)", unit: "" },
  promptTokens: { title: "prompt length", unit: "tokens" },
  outputTokens: { title: "output length", unit: "tokens" },
  chips: { title: "chips", unit: "" },
  "speculation.draftTokens": { title: "draft tokens per step", unit: "tokens" },
  "speculation.acceptance": { title: "draft acceptance rate", unit: "" },
};

/** How to draw a swept key, from its values. */
export function axisInfo(key: string, values: readonly Cell[]): AxisInfo {
  const present = values.filter((v) => v !== null);
  if (present.length > 0 && present.every((v) => typeof v === "string" && RELATIVE.test(v))) {
    return { title: `${key}, relative to the deployment's own value`, unit: "x", numeric: (c) => (typeof c === "string" && RELATIVE.test(c) ? Number(c.slice(1)) : undefined) };
  }
  const known = AXIS_TITLES[key] ?? { title: key, unit: "" };
  return { ...known, numeric: (c) => (typeof c === "number" && Number.isFinite(c) ? c : undefined) };
}

function metricUnit(metric: string, values: readonly number[]): { title: string; unit: string; factor: number } {
  // the one table of metric names, units and kinds (src/scenario/metrics.ts)
  const info = metricInfo(metric) ?? { title: metric, kind: "count" as const, unit: "" };
  switch (info.kind) {
    case "rate": return { title: info.title, unit: "tok/s", factor: 1 };
    case "time": {
      const t = timeUnit(Math.max(0, ...values.map(Math.abs)));
      return { title: info.title, unit: t.unit, factor: t.factor };
    }
    case "bytes": return { title: info.title, unit: "GB", factor: 1e-9 };
    case "params": return { title: info.title, unit: "billion parameters", factor: 1e-9 };
    case "share": return { title: info.title, unit: "%", factor: 100 };
    case "count": return { title: info.title, unit: info.unit, factor: 1 };
    case "bound": case "flag": return { title: info.title, unit: "", factor: 1 };
  }
}

const cellText = (c: Cell | undefined): string => (c === null || c === undefined ? "-" : typeof c === "number" ? num(c) : String(c));

/**
 * Groups of axes that move together (zipped: each one's value fixes the others', e.g. hardware
 * and chips in `zip: [hardware, chips]`), in the scenario's order. Found from the rows, so a
 * results file needs no zip information.
 */
export function axisGroups(data: SweepData): string[][] {
  const keys = data.axes;
  const determines = (a: string, b: string): boolean => {
    const seen = new Map<string, string>();
    for (const r of data.rows) {
      const ka = JSON.stringify(r.axes[a] ?? null);
      const vb = JSON.stringify(r.axes[b] ?? null);
      const prev = seen.get(ka);
      if (prev !== undefined && prev !== vb) return false;
      seen.set(ka, vb);
    }
    return true;
  };
  const groups: string[][] = [];
  for (const k of keys) {
    const g = groups.find((gr) => determines(gr[0]!, k) && determines(k, gr[0]!));
    if (g) g.push(k);
    else groups.push([k]);
  }
  return groups;
}

function distinct(rows: readonly SweepRow[], key: string): Cell[] {
  const seen = new Map<string, Cell>();
  for (const r of rows) {
    const c = r.axes[key] ?? null;
    const k = JSON.stringify(c);
    if (!seen.has(k)) seen.set(k, c);
  }
  return [...seen.values()];
}

/** Hardware, model, stack and task values read as themselves; other keys as "key value". */
const SELF_NAMED = new Set(["hardware", "model", "stack", "task", "precision", "software"]);

function seriesLabel(keys: readonly string[], r: SweepRow): string {
  return keys.map((k) => (SELF_NAMED.has(k) ? cellText(r.axes[k]) : `${k} ${cellText(r.axes[k])}`)).join(", ");
}

/** Which axis is along x and which make the lines: see `sweepSpec`. */
export function sweepLayout(data: SweepData): { readonly x: string | undefined; readonly numericX: boolean; readonly series: readonly string[] } {
  const groups = axisGroups(data);
  if (groups.length === 0) return { x: undefined, numericX: false, series: [] };
  const numericKey = (g: readonly string[]) => g.find((k) => {
    const vals = data.rows.map((r) => r.axes[k] ?? null);
    const info = axisInfo(k, vals);
    return vals.every((v) => info.numeric(v) !== undefined);
  });
  const count = (g: readonly string[]) => distinct(data.rows, g[0]!).length;
  // the numeric axis with the most values (the later one on a tie: the inner loop), else the categorical one
  const numeric = groups.filter((g) => numericKey(g) !== undefined && count(g) > 1);
  const pool = numeric.length > 0 ? numeric : groups;
  let best = pool[0]!;
  for (const g of pool) if (count(g) >= count(best)) best = g;
  const x = numeric.length > 0 ? numericKey(best)! : best[0]!;
  return { x, numericX: numeric.length > 0, series: groups.filter((g) => g !== best).flat() };
}

export interface SweepChartOptions {
  /** the source line after "Source: " */
  readonly origin: string;
  /** the results file or scenario the rows came from, named when a metric is not there */
  readonly file: string;
  /** targets drawn as horizontal lines on the chart of their metric */
  readonly targets?: readonly ChartTarget[];
}

/** Why a point could not run, in a few words: the model's context window, or memory. */
export function stopReason(note: string): string {
  return /context window/.test(note) ? "the context window is exceeded" : "the model no longer fits in memory";
}

/**
 * Chart 6: one metric over the swept axis, one line per combination of the other axes (zipped
 * axes count as one). x is the numeric axis with the most values; with no numeric axis the
 * values are categories and the chart is grouped bars. Points that could not run (a note in
 * the row, no value) leave a gap and are listed in the table.
 */
export function sweepSpec(data: SweepData, metric: string, opts: SweepChartOptions): ChartSpec {
  if (data.rows.length === 0) throw new Error("sweepSpec: no points to draw");
  if (!chartableMetrics(data).includes(metric)) {
    throw inputError({ file: "--metric", path: "", problem: `no numeric metric ${JSON.stringify(metric)} in ${opts.file}`, got: JSON.stringify(metric), expected: `one of ${chartableMetrics(data).join(", ")}` });
  }
  const layout = sweepLayout(data);
  const values = data.rows.map((r) => r.metrics[metric]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const m = metricUnit(metric, values);
  const groups = new Map<string, SweepRow[]>();
  for (const r of data.rows) {
    const key = layout.series.length > 0 ? seriesLabel(layout.series, r) : m.title;
    const g = groups.get(key) ?? [];
    g.push(r);
    groups.set(key, g);
  }
  const xKey = layout.x;
  const xInfo = xKey ? axisInfo(xKey, data.rows.map((r) => r.axes[xKey] ?? null)) : { title: "scenario", unit: "", numeric: () => undefined };
  const valueOf = (r: SweepRow): number | null => {
    const v = r.metrics[metric];
    return typeof v === "number" && Number.isFinite(v) ? v * m.factor : null;
  };
  let series: Series[];
  let xAxis: ChartSpec["x"];
  const warnings: Warning[] = [];
  const endNotes: string[] = [];
  if (xKey && layout.numericX) {
    series = [];
    [...groups.entries()].forEach(([label, rows], i) => {
      const pts = rows.flatMap((r) => {
        const x = xInfo.numeric(r.axes[xKey] ?? null);
        return x === undefined ? [] : [{ x, r, y: valueOf(r) }];
      }).sort((a, b) => a.x - b.x);
      // A line that stops before the axis does: the last point that ran says why, on the chart and as a warning.
      const lastRan = pts.map((p) => p.y !== null).lastIndexOf(true);
      const after = lastRan >= 0 ? pts.slice(lastRan + 1) : [];
      const ends = after.length > 0 && after.every((p) => p.y === null && p.r.note !== "") ? after[0]! : undefined;
      const endNote = ends ? `ends at ${xKey} ${num(pts[lastRan]!.x)}: at ${num(ends.x)} ${stopReason(ends.r.note)}` : "";
      if (ends) {
        warnings.push({ code: "line-ends", message: `${label === m.title ? "the line" : `the line ${label}`} ${endNote}` });
        endNotes.push(ends.r.note);
      }
      const data: Point[] = pts.flatMap((p, j) => (p.y === null ? [] : [{ x: p.x, y: p.y, ...(ends && j === lastRan ? { label: `ends: ${stopReason(ends.r.note)}` } : {}) }]));
      const c = colour(i);
      const bands = pts.map((p) => p.r.bands?.[metric]);
      if (bands.some((b) => b !== undefined)) {
        // the error band: its upper edge filled down to its lower edge, the next series
        const edge = (side: "low" | "high") => pts.flatMap((p, j) => (p.y === null || !bands[j] ? [] : [{ x: p.x, y: bands[j]![side] * m.factor }]));
        series.push({ label: `${label}: error band`, kind: "band", colour: c, fillTo: series.length + 1, data: edge("high") });
        series.push({ label: `${label}: error band low`, kind: "band", colour: c, legend: false, data: edge("low") });
      }
      series.push({ label, kind: "line", colour: c, data, ...(ends ? { pointLabels: true } : {}) });
    });
    const xs = data.rows.flatMap((r) => xInfo.numeric(r.axes[xKey] ?? null) ?? []);
    // a linear axis ends at the data; a logarithmic one on round values around it (chartjs.ts)
    const xScale = pickAxisScale(xs);
    xAxis = { title: xInfo.title, unit: xInfo.unit, scale: xScale, ...(xScale === "linear" ? { min: Math.min(...xs), max: Math.max(...xs) } : {}) };
    for (const t of (opts.targets ?? []).filter((x) => x.metric === metric)) {
      series.push({ label: `${t.label ?? "target"}: ${metric} ${t.op} ${num(t.value * m.factor)}${m.unit ? ` ${m.unit}` : ""}`, kind: "line", colour: PALETTE[7], dashed: true, data: [{ x: Math.min(...xs), y: t.value * m.factor }, { x: Math.max(...xs), y: t.value * m.factor }] });
    }
  } else {
    const labels = xKey ? distinct(data.rows, xKey).map(cellText) : ["(one point)"];
    const rowAt = (rows: readonly SweepRow[], l: string) => rows.find((x) => (xKey ? cellText(x.axes[xKey]) : "(one point)") === l);
    series = [...groups.entries()].map(([label, rows], i) => {
      const bands = labels.map((l) => rowAt(rows, l)?.bands?.[metric]);
      return {
        label, kind: "bar" as const, colour: colour(i),
        data: labels.map((l) => {
          const r = rowAt(rows, l);
          return r ? valueOf(r) : null;
        }),
        ...(bands.some((b) => b !== undefined) ? { errorBars: bands.map((b) => (b ? { low: b.low * m.factor, high: b.high * m.factor } : null)) } : {}),
      };
    });
    xAxis = { title: xInfo.title, unit: xInfo.unit, scale: "category", labels };
    for (const t of (opts.targets ?? []).filter((x) => x.metric === metric)) {
      series.push({ label: `${t.label ?? "target"}: ${metric} ${t.op} ${num(t.value * m.factor)}${m.unit ? ` ${m.unit}` : ""}`, kind: "line", colour: PALETTE[7], dashed: true, data: labels.map(() => t.value * m.factor) });
    }
  }
  const drawn = [...values, ...(opts.targets ?? []).filter((t) => t.metric === metric).map((t) => t.value)].map((v) => v * m.factor);
  const yScale: AxisScale = series.some((s) => s.kind === "bar") ? "linear" : pickScale(drawn);
  const failed = data.rows.filter((r) => valueOf(r) === null);
  const hasNotes = data.rows.some((r) => r.note !== "");
  const withUnit = (v: number | null) => (v === null ? "-" : `${num(v)}${m.unit ? ` ${m.unit}` : ""}`);
  const subtitle = [
    data.title,
    layout.series.length > 0 ? `one ${layout.numericX ? "line" : "bar"} per ${layout.series.join(" and ")}` : undefined,
    failed.length > 0 ? `${failed.length} point${failed.length === 1 ? "" : "s"} could not run (see the table)` : undefined,
    warnings.length > 0 ? `${warnings.length === 1 ? "a line ends" : `${warnings.length} lines end`} early where ${[...new Set(endNotes.map(stopReason))].join(" or ")} (labelled)` : undefined,
  ].filter((s): s is string => s !== undefined && s !== "").join("; ");
  return {
    id: `sweep-${metric.replace(/[^A-Za-z0-9]+/g, "-")}`,
    title: `${m.title[0]!.toUpperCase()}${m.title.slice(1)} against ${xInfo.title}`,
    ...(subtitle !== "" ? { subtitle } : {}),
    x: xAxis,
    y: { title: m.title, unit: m.unit, scale: yScale, ...(yScale === "linear" ? { min: 0 } : {}) },
    series,
    table: {
      columns: [...data.axes, `${m.title}${m.unit ? ` (${m.unit})` : ""}`, ...(hasNotes ? ["note"] : [])],
      rows: data.rows.map((r) => {
        const b = r.bands?.[metric];
        const v = valueOf(r);
        return [...data.axes.map((k) => cellText(r.axes[k])), b && v !== null ? `${withUnit(v)} (${num(b.low * m.factor)}-${num(b.high * m.factor)})` : withUnit(v), ...(hasNotes ? [r.note === "" ? "-" : r.note] : [])];
      }),
    },
    source: `Source: ${opts.origin}`,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** One sweep chart per metric (the defaults when none is given). */
export function sweepSpecs(data: SweepData, metrics: readonly string[] | undefined, opts: SweepChartOptions): ChartSpec[] {
  const want = metrics && metrics.length > 0 ? metrics : defaultMetrics(data);
  return want.map((m) => sweepSpec(data, m, opts));
}
