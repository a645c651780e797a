import type { Axis, ChartSpec, Point, Series } from "./spec.js";
import { wrapSource } from "./format.js";

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

function scale(a: Axis, stackedDefault: boolean): Record<string, unknown> {
  return {
    type: a.scale,
    ...(a.labels ? { labels: [...a.labels] } : {}),
    ...(a.min !== undefined ? { min: a.min } : {}),
    ...(a.max !== undefined ? { max: a.max } : {}),
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
  const common = { label: s.label, data: s.data.map(pointData), borderColor: s.colour, ...(s.legend === false ? { wafersimHideInLegend: true } : {}) };
  switch (s.kind) {
    case "bar":
      return { ...common, type: "bar", backgroundColor: s.colour, borderWidth: 0, ...(s.stack !== undefined ? { stack: s.stack } : {}) };
    case "line":
      return {
        ...common, type: "line", backgroundColor: s.colour, borderWidth: 2.5, pointRadius: 4, pointHoverRadius: 6, fill: false,
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
        x: scale(spec.x, stacked),
        y: scale(spec.y, stacked),
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
