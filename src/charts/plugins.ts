/**
 * Chart.js plugin hooks shared by the PNG/SVG renderer and the HTML report. Each is a
 * self-contained function (no imports, no outer variables) because html.ts embeds its source
 * text in the report; tests/charts/html-browser.test.ts checks they run in Chromium.
 */

/** The parts of a Chart.js chart these hooks use. */
export interface HookChart {
  readonly ctx: CanvasRenderingContext2DLike;
  readonly width: number;
  readonly height: number;
  readonly data: { readonly datasets: readonly { readonly wafersimPointLabels?: boolean; readonly data: readonly unknown[] }[] };
  getDatasetMeta(i: number): { readonly hidden: boolean | null; readonly data: readonly { readonly x: number; readonly y: number }[] };
  isDatasetVisible(i: number): boolean;
}

export interface CanvasRenderingContext2DLike {
  save(): void;
  restore(): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  fillStyle: unknown;
  font: string;
  textAlign: string;
  textBaseline: string;
  globalCompositeOperation: string;
}

/** White background, drawn first with ordinary compositing (so SVG output stays vector). */
export function wafersimFillBackground(chart: HookChart): void {
  const ctx = chart.ctx;
  ctx.save();
  ctx.globalCompositeOperation = "source-over";
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, chart.width, chart.height);
  ctx.restore();
}

/** The source line(s) under the chart, in the space `layout.padding.bottom` reserves. */
export function wafersimDrawSource(chart: HookChart, _args: unknown, opts: { readonly lines?: readonly string[] }): void {
  const lines = (opts && opts.lines) || [];
  const ctx = chart.ctx;
  ctx.save();
  ctx.font = "12px 'DejaVu Sans', Arial, sans-serif";
  ctx.fillStyle = "#333333";
  ctx.textAlign = "left";
  ctx.textBaseline = "bottom";
  for (let i = 0; i < lines.length; i++) {
    ctx.fillText(String(lines[i]), 12, chart.height - 6 - (lines.length - 1 - i) * 16);
  }
  ctx.restore();
}

/** Each point's `label`, beside the point, for datasets marked `wafersimPointLabels`. */
export function wafersimDrawPointLabels(chart: HookChart): void {
  const ctx = chart.ctx;
  ctx.save();
  ctx.font = "12px 'DejaVu Sans', Arial, sans-serif";
  ctx.fillStyle = "#222222";
  ctx.textAlign = "left";
  ctx.textBaseline = "bottom";
  const sets = chart.data.datasets;
  for (let i = 0; i < sets.length; i++) {
    const ds = sets[i];
    if (!ds || !ds.wafersimPointLabels || !chart.isDatasetVisible(i)) continue;
    const elements = chart.getDatasetMeta(i).data;
    for (let j = 0; j < elements.length; j++) {
      const raw = ds.data[j] as { label?: unknown } | null;
      const el = elements[j];
      if (!el || !raw || typeof raw.label !== "string") continue;
      ctx.fillText(raw.label, el.x + 7, el.y - 5);
    }
  }
  ctx.restore();
}

/** Chart.js `legend.labels.filter`: leaves out datasets marked `wafersimHideInLegend`. */
export function wafersimLegendFilter(item: { readonly datasetIndex?: number }, data: { readonly datasets: readonly { readonly wafersimHideInLegend?: boolean }[] }): boolean {
  const ds = item.datasetIndex === undefined ? undefined : data.datasets[item.datasetIndex];
  return !(ds && ds.wafersimHideInLegend);
}
