/**
 * Draws chart specs to PNG or SVG with Chart.js on node-canvas. The only module that imports
 * chartjs-node-canvas (and through it canvas); load it lazily.
 */
import { ChartJSNodeCanvas } from "chartjs-node-canvas";
import type { ChartConfiguration } from "chart.js";
import { Chart } from "chart.js/auto";
import { toChartJs } from "./chartjs.js";
import { wafersimDrawErrorBars, wafersimDrawPointLabels, wafersimDrawSource, wafersimFillBackground, wafersimLegendFilter, wafersimLogTick, wafersimLogTicks, type HookChart } from "./plugins.js";
import { CHART_HEIGHT, CHART_WIDTH, type ChartSpec } from "./spec.js";
import { SvgContext } from "./svg.js";

export type ImageFormat = "png" | "svg";

export interface RenderSize {
  readonly width: number;
  readonly height: number;
}

const PLUGINS = [
  { id: "wafersimBackground", beforeDraw: (c: unknown) => wafersimFillBackground(c as HookChart) },
  { id: "wafersimSource", afterDraw: (c: unknown, a: unknown, o: unknown) => wafersimDrawSource(c as HookChart, a, o as { lines?: string[] }) },
  { id: "wafersimErrorBars", afterDatasetsDraw: (c: unknown) => wafersimDrawErrorBars(c as HookChart) },
  { id: "wafersimPointLabels", afterDatasetsDraw: (c: unknown) => wafersimDrawPointLabels(c as HookChart) },
];

// Making a renderer loads a fresh copy of Chart.js (~100 ms): keep one per format and size.
const renderers = new Map<string, ChartJSNodeCanvas>();

function renderer(format: "png", size: RenderSize): ChartJSNodeCanvas {
  const key = `${format} ${size.width}x${size.height}`;
  let r = renderers.get(key);
  if (!r) {
    r = new ChartJSNodeCanvas({ width: size.width, height: size.height });
    renderers.set(key, r);
  }
  return r;
}

/** The Chart.js configuration with our plugins attached (a fresh object each time: Chart.js mutates it). */
export function configFor(spec: ChartSpec): ChartConfiguration {
  const cfg = structuredClone(toChartJs(spec)) as unknown as { options: { plugins: { legend: { labels: Record<string, unknown> } }; scales: Record<string, { type: string; ticks: Record<string, unknown> }> } };
  cfg.options.plugins.legend.labels["filter"] = wafersimLegendFilter;
  for (const sc of Object.values(cfg.options.scales)) {
    if (sc.type === "logarithmic") Object.assign(sc, { afterBuildTicks: wafersimLogTicks, ticks: { ...sc.ticks, callback: wafersimLogTick } });
  }
  return { ...cfg, plugins: PLUGINS } as unknown as ChartConfiguration;
}

/**
 * One chart as a PNG or SVG file's bytes. PNG: Chart.js on node-canvas. SVG: Chart.js on
 * SvgContext (text as <text>, the size in pixels), measuring text with the same canvas fonts.
 */
export function renderChart(spec: ChartSpec, format: ImageFormat, size: RenderSize = { width: CHART_WIDTH, height: CHART_HEIGHT }): Buffer {
  if (format === "png") return renderer(format, size).renderToBufferSync(configFor(spec), "image/png");
  const ctx = new SvgContext(size.width, size.height);
  const chart = new Chart(ctx as unknown as ConstructorParameters<typeof Chart>[0], configFor(spec));
  const svg = ctx.toSvg();
  chart.destroy();
  return Buffer.from(svg, "utf8");
}
