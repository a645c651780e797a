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
  readonly chartArea: { readonly left: number; readonly right: number; readonly top: number; readonly bottom: number };
  readonly data: { readonly datasets: readonly { readonly wafersimPointLabels?: boolean; readonly data: readonly unknown[] }[] };
  getDatasetMeta(i: number): { readonly hidden: boolean | null; readonly data: readonly { readonly x: number; readonly y: number }[] };
  isDatasetVisible(i: number): boolean;
}

export interface CanvasRenderingContext2DLike {
  save(): void;
  restore(): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  strokeText(text: string, x: number, y: number): void;
  measureText(text: string): { readonly width: number };
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
  strokeStyle: unknown;
  lineWidth: number;
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

/**
 * Each point's `label`, beside the point, for datasets marked `wafersimPointLabels`. Labels are
 * placed greedily so that none overlaps another or leaves the plot area: to the right of the
 * point, else to its left, each at growing vertical offsets (a thin leader line joins a label
 * moved away from its point). A label with no free place within 6 rows is drawn at the first
 * candidate anyway: better overlapping than missing.
 */
export function wafersimDrawPointLabels(chart: HookChart): void {
  const ctx = chart.ctx;
  const area = chart.chartArea;
  const H = 14;
  const placed: { x: number; y: number; w: number; h: number }[] = [];
  const hits = (b: { x: number; y: number; w: number; h: number }) =>
    b.x < area.left || b.x + b.w > area.right || b.y < area.top || b.y + b.h > area.bottom ||
    placed.some((p) => b.x < p.x + p.w && p.x < b.x + b.w && b.y < p.y + p.h && p.y < b.y + b.h);
  const sets = chart.data.datasets;
  // every drawn point of a scatter or labelled series is an obstacle: a label must not hide one
  for (let i = 0; i < sets.length; i++) {
    const ds = sets[i] as { wafersimPointLabels?: boolean; type?: string } | undefined;
    if (!ds || !chart.isDatasetVisible(i) || !(ds.wafersimPointLabels || ds.type === "scatter")) continue;
    const els = chart.getDatasetMeta(i).data;
    for (let j = 0; j < els.length; j++) {
      const e = els[j];
      if (e) placed.push({ x: e.x - 6, y: e.y - 6, w: 12, h: 12 });
    }
  }
  ctx.save();
  ctx.font = "12px 'DejaVu Sans', Arial, sans-serif";
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  ctx.lineWidth = 1;
  for (let i = 0; i < sets.length; i++) {
    const ds = sets[i];
    if (!ds || !ds.wafersimPointLabels || !chart.isDatasetVisible(i)) continue;
    const elements = chart.getDatasetMeta(i).data;
    for (let j = 0; j < elements.length; j++) {
      const raw = ds.data[j] as { label?: unknown } | null;
      const el = elements[j];
      if (!el || !raw || typeof raw.label !== "string") continue;
      const w = ctx.measureText(raw.label).width + 2;
      let box: { x: number; y: number; w: number; h: number } | undefined;
      let first: { x: number; y: number; w: number; h: number } | undefined;
      for (let k = 0; k <= 12 && !box; k++) {
        const dy = k === 0 ? 0 : (k % 2 === 1 ? -1 : 1) * Math.ceil(k / 2) * H;
        for (const side of [1, -1]) {
          const b = { x: side === 1 ? el.x + 7 : el.x - 7 - w, y: el.y - H - 3 + dy, w, h: H };
          if (!first) first = b;
          if (!hits(b)) { box = b; break; }
        }
      }
      const b = box || first!;
      placed.push(b);
      if (b.y + H + 3 !== el.y) {
        ctx.strokeStyle = "#888888";
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(el.x, el.y);
        ctx.lineTo(b.x < el.x ? b.x + b.w : b.x, b.y + H / 2);
        ctx.stroke();
      }
      // a white halo keeps the text legible over grid lines, bands and lines
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 3;
      ctx.strokeText(raw.label, b.x + 1, b.y + 1);
      ctx.fillStyle = "#222222";
      ctx.fillText(raw.label, b.x + 1, b.y + 1);
    }
  }
  ctx.restore();
}

/** Chart.js `legend.labels.filter`: leaves out datasets marked `wafersimHideInLegend`. */
export function wafersimLegendFilter(item: { readonly datasetIndex?: number }, data: { readonly datasets: readonly { readonly wafersimHideInLegend?: boolean }[] }): boolean {
  const ds = item.datasetIndex === undefined ? undefined : data.datasets[item.datasetIndex];
  return !(ds && ds.wafersimHideInLegend);
}

/**
 * Tick labels of a logarithmic axis (Chart.js `ticks.callback`): only 1, 2 and 5 times a power
 * of ten, plus an axis end when no such label sits within a factor 1.5 of it, so the end ticks
 * Chart.js always adds (e.g. 64 beside 50) do not run into their neighbours. Others: no label.
 */
export function wafersimLogTick(value: number, index: number, ticks: readonly { readonly value: number }[]): string {
  const v = Number(value);
  if (!(v > 0)) return "";
  const label = Number(v.toPrecision(3)).toLocaleString("en-US", { maximumFractionDigits: 6 });
  const nice = (x: number) => {
    const m = x / Math.pow(10, Math.floor(Math.log10(x) + 1e-9));
    return Math.abs(m - 1) < 1e-6 || Math.abs(m - 2) < 1e-6 || Math.abs(m - 5) < 1e-6 || Math.abs(m - 10) < 1e-6;
  };
  if (nice(v)) return label;
  if (index !== 0 && index !== ticks.length - 1) return "";
  for (let i = 0; i < ticks.length; i++) {
    const t = ticks[i];
    if (i !== index && t && t.value > 0 && nice(t.value) && Math.max(t.value / v, v / t.value) < 1.5) return "";
  }
  return label;
}

/**
 * Ticks of a logarithmic axis at 1, 2 and 5 times each power of ten inside it (Chart.js
 * `afterBuildTicks`), so grid lines and labels fall on the same round values. An axis too narrow
 * to hold two of them keeps Chart.js's own ticks.
 */
export function wafersimLogTicks(scale: { readonly min: number; readonly max: number; ticks: { value: number }[] }): void {
  const min = scale.min;
  const max = scale.max;
  if (!(min > 0) || !(max > min)) return;
  const ticks: { value: number }[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      // the power is rounded to a short decimal so 3 x 10^-1 reads as 0.5, not 0.5000000000000001
      const v = Number((m * Math.pow(10, e)).toPrecision(12));
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) ticks.push({ value: v });
    }
  }
  if (ticks.length >= 2) scale.ticks = ticks;
}

/**
 * Error bands of bars and points (datasets carrying `wafersimErrorBars`, one {low, high} or
 * null per data item): a whisker with caps along the value axis, drawn over the datasets.
 * Chosen over the chartjs-chart-error-bars package: that adds chart types which both the node
 * renderer and the HTML page would have to register, and one more bundle to inline in the
 * page, for what these few lines draw with the hooks already in place.
 */
export function wafersimDrawErrorBars(chart: HookChart): void {
  const ctx = chart.ctx;
  const sets = chart.data.datasets;
  ctx.save();
  ctx.lineWidth = 1.5;
  for (let i = 0; i < sets.length; i++) {
    const ds = sets[i] as { wafersimErrorBars?: readonly ({ low: number; high: number } | null)[]; borderColor?: unknown } | undefined;
    if (!ds || !ds.wafersimErrorBars || !chart.isDatasetVisible(i)) continue;
    const meta = chart.getDatasetMeta(i) as unknown as { data: readonly { x: number; y: number }[]; vScale?: { getPixelForValue(v: number): number; axis: string } };
    const v = meta.vScale;
    if (!v) continue;
    for (let j = 0; j < meta.data.length; j++) {
      const b = ds.wafersimErrorBars[j];
      const el = meta.data[j];
      if (!b || !el || !(b.low >= 0) || !(b.high >= b.low)) continue;
      const lo = v.getPixelForValue(b.low);
      const hi = v.getPixelForValue(b.high);
      const cap = 6;
      ctx.strokeStyle = "#333333";
      ctx.beginPath();
      if (v.axis === "y") {
        ctx.moveTo(el.x, lo); ctx.lineTo(el.x, hi);
        ctx.moveTo(el.x - cap, lo); ctx.lineTo(el.x + cap, lo);
        ctx.moveTo(el.x - cap, hi); ctx.lineTo(el.x + cap, hi);
      } else {
        ctx.moveTo(lo, el.y); ctx.lineTo(hi, el.y);
        ctx.moveTo(lo, el.y - cap); ctx.lineTo(lo, el.y + cap);
        ctx.moveTo(hi, el.y - cap); ctx.lineTo(hi, el.y + cap);
      }
      ctx.stroke();
    }
  }
  ctx.restore();
}
