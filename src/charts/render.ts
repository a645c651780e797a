/**
 * Draws chart specs to PNG or SVG with Chart.js on node-canvas. The only module that imports
 * chartjs-node-canvas (and through it canvas); load it lazily.
 */
import { ChartJSNodeCanvas } from "chartjs-node-canvas";
import type { ChartConfiguration } from "chart.js";
import { toChartJs } from "./chartjs.js";
import { wafersimDrawPointLabels, wafersimDrawSource, wafersimFillBackground, wafersimLegendFilter, wafersimLogTick, type HookChart } from "./plugins.js";
import { CHART_HEIGHT, CHART_WIDTH, type ChartSpec } from "./spec.js";

export type ImageFormat = "png" | "svg";

export interface RenderSize {
  readonly width: number;
  readonly height: number;
}

const PLUGINS = [
  { id: "wafersimBackground", beforeDraw: (c: unknown) => wafersimFillBackground(c as HookChart) },
  { id: "wafersimSource", afterDraw: (c: unknown, a: unknown, o: unknown) => wafersimDrawSource(c as HookChart, a, o as { lines?: string[] }) },
  { id: "wafersimPointLabels", afterDatasetsDraw: (c: unknown) => wafersimDrawPointLabels(c as HookChart) },
];

// Making a renderer loads a fresh copy of Chart.js (~100 ms): keep one per format and size.
const renderers = new Map<string, ChartJSNodeCanvas>();

function renderer(format: ImageFormat, size: RenderSize): ChartJSNodeCanvas {
  const key = `${format} ${size.width}x${size.height}`;
  let r = renderers.get(key);
  if (!r) {
    r = new ChartJSNodeCanvas({ width: size.width, height: size.height, ...(format === "svg" ? { type: "svg" as const } : {}) });
    renderers.set(key, r);
  }
  return r;
}

/** The Chart.js configuration with our plugins attached (a fresh object each time: Chart.js mutates it). */
export function configFor(spec: ChartSpec): ChartConfiguration {
  const cfg = structuredClone(toChartJs(spec)) as unknown as { options: { plugins: { legend: { labels: Record<string, unknown> } }; scales: Record<string, { type: string; ticks: Record<string, unknown> }> } };
  cfg.options.plugins.legend.labels["filter"] = wafersimLegendFilter;
  for (const sc of Object.values(cfg.options.scales)) if (sc.type === "logarithmic") sc.ticks["callback"] = wafersimLogTick;
  return { ...cfg, plugins: PLUGINS } as unknown as ChartConfiguration;
}

/** One chart as a PNG or SVG file's bytes. SVG needs canvas's synchronous API. */
export function renderChart(spec: ChartSpec, format: ImageFormat, size: RenderSize = { width: CHART_WIDTH, height: CHART_HEIGHT }): Buffer {
  const r = renderer(format, size);
  return format === "svg" ? r.renderToBufferSync(configFor(spec), "image/svg+xml") : r.renderToBufferSync(configFor(spec), "image/png");
}
