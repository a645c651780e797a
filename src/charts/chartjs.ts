import type { Axis, ChartSpec, Point, Series } from "./spec.js";
import { dataRange, wrapSource } from "./format.js";

/**
 * A Chart.js configuration as plain JSON (no functions), so the same object feeds the
 * node renderer and the HTML report. Plugins (background, source line, point labels) are
 * attached by whoever draws it, from plugins.ts; their options are here.
 */
export interface ChartJsConfig {
  readonly type: "bar" | "scatter" | "line";
  readonly data: { readonly labels?: readonly string[]; readonly datasets: readonly Record<string, unknown>[] };
  readonly options: Record<string, unknown>;
}

const FONT = "'DejaVu Sans', Arial, sans-serif";

/** "#0072B2" with alpha 0.2 -> "rgba(0,114,178,0.2)" */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  return `rgba(${parseInt(m[1]!, 16)},${parseInt(m[2]!, 16)},${parseInt(m[3]!, 16)},${alpha})`;
}

function axisTitle(a: Axis): string {
  return a.unit === "" ? a.title : `${a.title} (${a.unit})`;
}

/** The numbers drawn along one axis ("x" or "y"), for the bounds of a logarithmic axis. */
function axisValues(spec: ChartSpec, axis: "x" | "y"): number[] {
  const valueAxis = spec.horizontal ? "x" : "y";
  const out: number[] = [];
  const add = (v: unknown) => {
    if (typeof v === "number" && Number.isFinite(v)) out.push(v);
    else if (Array.isArray(v)) for (const x of v) add(x);
  };
  for (const s of spec.series) {
    for (const d of s.data) {
      if (d === null) continue;
      if (typeof d === "number") { if (axis === valueAxis) add(d); }
      else add(axis === "x" ? d.x : d.y);
    }
  }
  return out.filter((v) => v > 0);
}

function scale(a: Axis, stackedDefault: boolean, values: readonly number[]): Record<string, unknown> {
  // A logarithmic axis ends on 1, 2 or 5 times a power of ten, with room around the data: no point sits on its edge.
  const log = a.scale === "logarithmic" && (a.min === undefined || a.max === undefined) && values.length > 0 ? dataRange(values) : undefined;
  const min = a.min ?? log?.lo;
  const max = a.max ?? log?.hi;
  return {
    type: a.scale,
    ...(a.labels ? { labels: [...a.labels] } : {}),
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    stacked: a.stacked ?? stackedDefault,
    title: { display: true, text: axisTitle(a), font: { size: 15, family: FONT } },
    ticks: { font: { size: 13, family: FONT } },
    grid: { color: "rgba(0,0,0,0.1)" },
  };
}

function pointData(d: number | Point | null): unknown {
  if (d === null || typeof d === "number") return d;
  return { x: Array.isArray(d.x) ? [...d.x] : d.x, y: Array.isArray(d.y) ? [...d.y] : d.y, ...(d.label !== undefined ? { label: d.label } : {}) };
}

function dataset(s: Series): Record<string, unknown> {
  // points are drawn whole even where they sit on the plot's edge (a linear axis ends at the data)
  const common = {
    label: s.label, data: s.data.map(pointData), borderColor: s.colour, ...(s.kind === "band" || s.kind === "bar" ? {} : { clip: false }), ...(s.legend === false ? { wafersimHideInLegend: true } : {}),
    ...(s.errorBars ? { wafersimErrorBars: s.errorBars.map((b) => (b ? { low: b.low, high: b.high } : null)) } : {}),
  };
  switch (s.kind) {
    case "bar":
      return { ...common, type: "bar", backgroundColor: s.colour, borderWidth: 0, ...(s.stack !== undefined ? { stack: s.stack } : {}) };
    case "line":
      return {
        // a dashed line is a reference (y = x, a target): no point markers
        ...common, type: "line", backgroundColor: s.colour, borderWidth: 2.5, pointRadius: s.dashed ? 0 : 4, pointHoverRadius: s.dashed ? 0 : 6, fill: false,
        ...(s.dashed ? { borderDash: [8, 5] } : {}), ...(s.pointLabels ? { wafersimPointLabels: true } : {}),
      };
    case "scatter":
      return { ...common, type: "scatter", backgroundColor: s.colour, pointRadius: 6, pointHoverRadius: 8, ...(s.pointLabels ? { wafersimPointLabels: true } : {}) };
    case "marker":
      // a short horizontal rule at each value (the roofline over each bar)
      return { ...common, type: "line", showLine: false, pointStyle: "line", pointRadius: 32, pointHoverRadius: 34, borderWidth: 3, pointBorderWidth: 3, backgroundColor: s.colour, ...(s.dashed ? { borderDash: [6, 4] } : {}) };
    case "band":
      return {
        ...common, type: "line", backgroundColor: withAlpha(s.colour, 0.15), borderColor: withAlpha(s.colour, 0.5), borderWidth: 1,
        borderDash: [4, 4], pointRadius: 0, pointHoverRadius: 0, fill: s.fillTo ?? false,
      };
  }
}

export function toChartJs(spec: ChartSpec): ChartJsConfig {
  const hasBars = spec.series.some((s) => s.kind === "bar");
  const sourceLines = wrapSource(spec.source);
  const stacked = spec.series.some((s) => s.stack !== undefined);
  return {
    type: hasBars ? "bar" : "scatter",
    data: { ...(spec.x.labels && !spec.horizontal ? { labels: [...spec.x.labels] } : {}), ...(spec.y.labels && spec.horizontal ? { labels: [...spec.y.labels] } : {}), datasets: spec.series.map(dataset) },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      ...(spec.horizontal ? { indexAxis: "y" } : {}),
      // timelines: floating bars of every dataset share their row instead of sitting side by side
      ...(spec.horizontal ? { datasets: { bar: { grouped: false } } } : {}),
      layout: { padding: { left: 12, right: 24, top: 8, bottom: 12 + 16 * sourceLines.length } },
      scales: {
        x: scale(spec.x, stacked, axisValues(spec, "x")),
        y: scale(spec.y, stacked, axisValues(spec, "y")),
      },
      interaction: { mode: "nearest", intersect: false },
      plugins: {
        title: { display: true, text: spec.title, font: { size: 20, weight: "bold", family: FONT }, color: "#111111", padding: { top: 6, bottom: 4 } },
        subtitle: { display: spec.subtitle !== undefined, text: spec.subtitle ?? "", font: { size: 14, family: FONT }, color: "#333333", padding: { bottom: 8 } },
        legend: { display: true, position: "top", labels: { font: { size: 14, family: FONT }, boxWidth: 18 } },
        tooltip: { enabled: true },
        wafersimSource: { lines: sourceLines },
      },
    },
  };
}
