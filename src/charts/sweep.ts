import { num } from "./format.js";
import { colour, type ChartSpec, type Series } from "./spec.js";

export interface SweepAxis {
  /** e.g. "batch", "prompt tokens", "hopLatency" */
  readonly name: string;
  /** unit of the axis values, "" for counts */
  readonly unit: string;
}

/** A sweep over one axis, or two (the second becomes one line per value). */
export interface SweepResult {
  readonly x: SweepAxis;
  readonly series?: SweepAxis;
  readonly metric: SweepAxis;
  readonly points: readonly { readonly x: number; readonly series?: number | string; readonly value: number }[];
}

/** Logarithmic when every value is positive and they span more than 20x. */
export function pickScale(values: readonly number[]): "linear" | "logarithmic" {
  if (values.length === 0 || values.some((v) => !(v > 0))) return "linear";
  return Math.max(...values) / Math.min(...values) > 20 ? "logarithmic" : "linear";
}

const withUnit = (a: SweepAxis, v: number | string) => (typeof v === "number" ? `${num(v)}${a.unit ? ` ${a.unit}` : ""}` : v);

/** Chart 6: a metric over one swept axis, one line per value of a second axis if there is one. */
export function sweepSpec(sweep: SweepResult, origin: string, id = "sweep"): ChartSpec {
  if (sweep.points.length === 0) throw new Error("sweepSpec: no points to draw");
  const groups = new Map<string, { x: number; value: number }[]>();
  for (const p of sweep.points) {
    const key = sweep.series && p.series !== undefined ? `${sweep.series.name} ${withUnit(sweep.series, p.series)}` : sweep.metric.name;
    const g = groups.get(key) ?? [];
    g.push({ x: p.x, value: p.value });
    groups.set(key, g);
  }
  const series: Series[] = [...groups.entries()].map(([label, pts], i) => ({
    label, kind: "line", colour: colour(i),
    data: [...pts].sort((a, b) => a.x - b.x).map((p) => ({ x: p.x, y: p.value })),
  }));
  return {
    id,
    title: `${sweep.metric.name} against ${sweep.x.name}${sweep.series ? `, one line per ${sweep.series.name}` : ""}`,
    x: { title: sweep.x.name, unit: sweep.x.unit, scale: pickScale(sweep.points.map((p) => p.x)) },
    y: { title: sweep.metric.name, unit: sweep.metric.unit, scale: pickScale(sweep.points.map((p) => p.value)) },
    series,
    table: {
      columns: [sweep.x.name, ...(sweep.series ? [sweep.series.name] : []), sweep.metric.name],
      rows: sweep.points.map((p) => [withUnit(sweep.x, p.x), ...(sweep.series ? [p.series === undefined ? "-" : withUnit(sweep.series, p.series)] : []), withUnit(sweep.metric, p.value)]),
    },
    source: `Source: ${origin}`,
  };
}
