import { num } from "./format.js";
import { PALETTE, type ChartSpec, type Series } from "./spec.js";

/** One row of `wafersim calibrate --json`. */
export interface CalibrationRow {
  readonly id: string;
  readonly published: number;
  readonly predicted: number;
  readonly errorPct: number;
  readonly looErrorPct?: number;
  /** the reference's stated tolerance, when the calibration reports it */
  readonly tolerancePct?: number;
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

/**
 * Chart 4: predicted against published figures, log-log, with y = x, the tolerance band and
 * each reference's id beside its point. References mix units (tok/s, seconds); each point is
 * in its own reference's unit, which a log-log ratio plot allows.
 */
export function calibrationSpec(cal: CalibrationResult, opts: CalibrationChartOptions): ChartSpec {
  const rows = cal.references.filter((r) => r.published > 0 && r.predicted > 0);
  if (rows.length === 0) throw new Error("calibrationSpec: no reference with positive published and predicted values");
  const values = rows.flatMap((r) => [r.published, r.predicted]);
  // whole decades around the data, so the log axes tick at 1, 10, 100, ...
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const tols = bandPcts(cal.references, opts.tolerancePct);
  const miss = rows.filter((r) => outside(r, opts.tolerancePct));
  const series: Series[] = [
    { label: "references within tolerance", kind: "scatter", colour: PALETTE[0], pointLabels: true, data: rows.filter((r) => !outside(r, opts.tolerancePct)).map((r) => ({ x: r.published, y: r.predicted, label: r.id })) },
    ...(miss.length > 0 ? [{ label: "outside tolerance", kind: "scatter" as const, colour: PALETTE[3], pointLabels: true, data: miss.map((r) => ({ x: r.published, y: r.predicted, label: r.id })) }] : []),
    { label: "y = x (exact)", kind: "line", colour: PALETTE[7], dashed: true, data: [{ x: lo, y: lo }, { x: hi, y: hi }] },
  ];
  const bandColours = [PALETTE[2], PALETTE[5], PALETTE[6], PALETTE[4]];
  tols.forEach((tol, i) => {
    const f = tol / 100;
    const n = cal.references.filter((r) => (opts.tolerancePct ?? r.tolerancePct) === tol).length;
    const c = bandColours[i % bandColours.length]!;
    // upper edge filled down to the lower edge, the next series
    series.push({ label: `tolerance +/-${tol}% (${n} reference${n === 1 ? "" : "s"})`, kind: "band", colour: c, fillTo: series.length + 1, data: [{ x: lo, y: lo * (1 + f) }, { x: hi, y: hi * (1 + f) }] });
    series.push({ label: `tolerance -${tol}%`, legend: false, kind: "band", colour: c, data: [{ x: lo, y: lo * Math.max(1 - f, 1e-9) }, { x: hi, y: hi * Math.max(1 - f, 1e-9) }] });
  });
  const tol = tols.length > 0 ? tols : undefined;
  return {
    id: "calibration",
    title: "Calibration: predicted against published figures",
    subtitle: `${rows.length} references; mean absolute error ${cal.mapePct.toPrecision(3)}%, leave-one-out ${cal.looMapePct.toPrecision(3)}%${tol === undefined ? "; no tolerance given, so no band" : `; ${miss.length} outside tolerance`}`,
    x: { title: "published figure, in each reference's unit", unit: "", scale: "logarithmic", min: lo, max: hi },
    y: { title: "predicted figure, same unit", unit: "", scale: "logarithmic", min: lo, max: hi },
    series,
    table: {
      columns: ["reference", "published", "predicted", "error", "leave-one-out error", ...(cal.references.some((r) => r.tolerancePct !== undefined) ? ["tolerance"] : [])],
      rows: cal.references.map((r) => [
        r.id, num(r.published), num(r.predicted), `${r.errorPct.toFixed(1)}%`, r.looErrorPct === undefined ? "-" : `${r.looErrorPct.toFixed(1)}%`,
        ...(cal.references.some((x) => x.tolerancePct !== undefined) ? [r.tolerancePct === undefined ? "-" : `${r.tolerancePct}%`] : []),
      ]),
    },
    source: `Source: ${opts.origin}; published figures from the calibration references (their sources in the reference files)`,
  };
}
