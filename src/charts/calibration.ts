import { dataRange, num, timeUnit } from "./format.js";
import { PALETTE, type ChartSpec, type Point, type Series } from "./spec.js";

/** One row of `wafersim calibrate --json`. */
export interface CalibrationRow {
  readonly id: string;
  readonly published: number;
  readonly predicted: number;
  readonly errorPct: number;
  readonly looErrorPct?: number;
  /** the reference's stated tolerance, when the calibration reports it */
  readonly tolerancePct?: number;
  /** what was measured: decode.tokensPerSecondPerUser, prefill.seconds, ttftSeconds or throughput.outputTokensPerSecond (src/calibration's Metric) */
  readonly metric?: string;
  /** why the engine is known to miss this reference, from the reference file */
  readonly knownMiss?: string;
  /** false: stated for comparison only, not used by the fit */
  readonly fitted?: boolean;
}

/** `wafersim calibrate --json`: `{ references, mapePct, looMapePct }`, plus what we know of its provenance. */
export interface CalibrationResult {
  readonly references: readonly CalibrationRow[];
  readonly mapePct: number;
  readonly looMapePct: number;
}

export interface CalibrationChartOptions {
  /** where the rows came from and which parameter version, e.g. "wafersim calibrate, parameters fitted 2026-11-30" */
  readonly origin: string;
  /** one tolerance band half-width in percent for every row; default: each row's own */
  readonly tolerancePct?: number;
}

/**
 * The tolerance bands to draw: the option's one, else one per distinct tolerance the rows state
 * (references of different kinds carry different tolerances), widest first so narrower ones sit on top.
 */
export function bandPcts(rows: readonly CalibrationRow[], given?: number): number[] {
  if (given !== undefined) return [given];
  return [...new Set(rows.flatMap((r) => (r.tolerancePct === undefined ? [] : [r.tolerancePct])))].sort((x, y) => y - x);
}

/** Whether a row is outside its own tolerance (or the given one). */
export function outside(r: CalibrationRow, given?: number): boolean {
  const t = given ?? r.tolerancePct;
  return t !== undefined && Math.abs(r.errorPct) > t;
}

/** How each calibration metric is drawn; rows without a metric are charted together as figures in their own units. */
const METRICS: Readonly<Record<string, { readonly id: string; readonly what: string; readonly kind: "rate" | "time" }>> = {
  "decode.tokensPerSecondPerUser": { id: "calibration-decode", what: "decode speed per user", kind: "rate" },
  "prefill.seconds": { id: "calibration-prefill", what: "prefill time", kind: "time" },
  ttftSeconds: { id: "calibration-ttft", what: "time to first token", kind: "time" },
  "throughput.outputTokensPerSecond": { id: "calibration-throughput", what: "output throughput of a batch run to completion (prefill included)", kind: "rate" },
};

/** The rows of each metric, in the order metrics first appear (rows with no metric under ""). */
export function byMetric(rows: readonly CalibrationRow[]): Map<string, CalibrationRow[]> {
  const out = new Map<string, CalibrationRow[]>();
  for (const r of rows) {
    const k = r.metric ?? "";
    out.set(k, [...(out.get(k) ?? []), r]);
  }
  return out;
}

/**
 * Chart 4 for one metric: predicted against published on log axes, with y = x, a band per
 * stated tolerance, and the axes kept to the data. Only references outside their tolerance and
 * known misses are labelled on the chart (the rest would pile up on the diagonal); every point
 * carries its id for the tooltip, and the table lists every reference.
 */
export function calibrationMetricSpec(cal: CalibrationResult, metric: string, opts: CalibrationChartOptions): ChartSpec {
  const all = cal.references.filter((r) => (r.metric ?? "") === metric);
  const rows = all.filter((r) => r.published > 0 && r.predicted > 0);
  if (rows.length === 0) throw new Error(`calibrationSpec: no reference of ${metric || "any metric"} with positive published and predicted values`);
  const info = METRICS[metric];
  const t = info?.kind === "time" ? timeUnit(Math.max(...rows.flatMap((r) => [r.published, r.predicted]))) : { unit: info ? "tok/s" : "", factor: 1 };
  const values = rows.flatMap((r) => [r.published * t.factor, r.predicted * t.factor]);
  const { lo, hi } = dataRange(values);
  const tols = bandPcts(all, opts.tolerancePct);
  const point = (r: CalibrationRow): Point => ({ x: r.published * t.factor, y: r.predicted * t.factor, label: r.id });
  const known = rows.filter((r) => r.knownMiss !== undefined);
  const miss = rows.filter((r) => r.knownMiss === undefined && outside(r, opts.tolerancePct));
  const fine = rows.filter((r) => r.knownMiss === undefined && !outside(r, opts.tolerancePct));
  const series: Series[] = [
    { label: "within tolerance", kind: "scatter", colour: PALETTE[0], data: fine.map(point) },
    ...(miss.length > 0 ? [{ label: "outside tolerance (labelled)", kind: "scatter" as const, colour: PALETTE[3], pointLabels: true, data: miss.map(point) }] : []),
    ...(known.length > 0 ? [{ label: "known miss, explained in the reference file (labelled)", kind: "scatter" as const, colour: PALETTE[4], pointLabels: true, data: known.map(point) }] : []),
    { label: "y = x (exact)", kind: "line", colour: PALETTE[7], dashed: true, data: [{ x: lo, y: lo }, { x: hi, y: hi }] },
  ];
  const bandColours = [PALETTE[2], PALETTE[5], PALETTE[6], PALETTE[1]];
  tols.forEach((tol, i) => {
    const f = tol / 100;
    const n = all.filter((r) => (opts.tolerancePct ?? r.tolerancePct) === tol).length;
    const c = bandColours[i % bandColours.length]!;
    // upper edge filled down to the lower edge, the next series
    series.push({ label: `tolerance +/-${tol}% (${n} reference${n === 1 ? "" : "s"})`, kind: "band", colour: c, fillTo: series.length + 1, data: [{ x: lo, y: lo * (1 + f) }, { x: hi, y: hi * (1 + f) }] });
    series.push({ label: `tolerance -${tol}%`, legend: false, kind: "band", colour: c, data: [{ x: lo, y: lo * Math.max(1 - f, 1e-9) }, { x: hi, y: hi * Math.max(1 - f, 1e-9) }] });
  });
  const fitted = all.filter((r) => r.fitted !== false);
  const mape = (xs: readonly number[]) => xs.reduce((a, x) => a + Math.abs(x), 0) / Math.max(1, xs.length);
  const what = info?.what ?? "figure";
  const hasTol = all.some((r) => r.tolerancePct !== undefined);
  const statusOf = (r: CalibrationRow) => (r.knownMiss !== undefined ? "known miss" : outside(r, opts.tolerancePct) ? "outside tolerance" : hasTol || opts.tolerancePct !== undefined ? "within" : "-");
  const unitText = t.unit === "" ? "" : ` ${t.unit}`;
  return {
    id: info?.id ?? "calibration",
    title: `Calibration: predicted against published ${what}`,
    subtitle: [
      `${rows.length} reference${rows.length === 1 ? "" : "s"} (${fitted.length} fitted)`,
      `mean absolute error ${mape(fitted.map((r) => r.errorPct)).toPrecision(3)}%${fitted.some((r) => r.looErrorPct !== undefined) ? `, leave-one-out ${mape(fitted.map((r) => r.looErrorPct ?? r.errorPct)).toPrecision(3)}%` : ""} over the fitted ones`,
      tols.length === 0 ? "no tolerance given, so no band" : `${miss.length} outside tolerance, ${known.length} known miss${known.length === 1 ? "" : "es"}`,
    ].join("; "),
    x: { title: `published ${what}`, unit: t.unit, scale: "logarithmic", min: lo, max: hi },
    y: { title: `predicted ${what}`, unit: t.unit, scale: "logarithmic", min: lo, max: hi },
    series,
    table: {
      columns: ["reference", "published", "predicted", "error", "leave-one-out error", ...(hasTol ? ["tolerance"] : []), "status", "why (known miss)"],
      rows: all.map((r) => [
        r.id, `${num(r.published * t.factor)}${unitText}`, `${num(r.predicted * t.factor)}${unitText}`, `${r.errorPct.toFixed(1)}%`,
        r.fitted === false ? "not fitted" : r.looErrorPct === undefined ? "-" : `${r.looErrorPct.toFixed(1)}%`,
        ...(hasTol ? [r.tolerancePct === undefined ? "-" : `${r.tolerancePct}%`] : []), statusOf(r), r.knownMiss ?? "-",
      ]),
    },
    source: `Source: ${opts.origin}; published figures from models/references/figures.yaml (each with its source)`,
  };
}

/** Chart 4, one chart per metric measured (decode speed in tok/s, prefill and TTFT in time): never two units on one pair of axes. */
export function calibrationSpecs(cal: CalibrationResult, opts: CalibrationChartOptions): ChartSpec[] {
  return [...byMetric(cal.references).keys()]
    .filter((m) => cal.references.some((r) => (r.metric ?? "") === m && r.published > 0 && r.predicted > 0))
    .map((m) => calibrationMetricSpec(cal, m, opts));
}
