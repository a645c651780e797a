/**
 * One self-contained HTML report: every chart of a scenario drawn in the browser by Chart.js
 * (inlined from node_modules, no network), with tooltips and the table of numbers under each
 * chart. The page sets `window.wafersimCharts` to the ids of the charts it drew (the browser
 * test reads it).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { toChartJs, type ChartJsConfig } from "./chartjs.js";
import { wafersimDrawErrorBars, wafersimDrawPointLabels, wafersimDrawSource, wafersimFillBackground, wafersimLegendFilter, wafersimLogTick, wafersimLogTicks } from "./plugins.js";
import { CHART_HEIGHT, CHART_WIDTH, type ChartSpec } from "./spec.js";

/** Chart.js's UMD build as shipped in node_modules. */
export function chartJsSource(): string {
  const main = createRequire(import.meta.url).resolve("chart.js");
  return readFileSync(join(dirname(main), "chart.umd.min.js"), "utf8");
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON that is safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function tableHtml(spec: ChartSpec): string {
  const head = spec.table.columns.map((c) => `<th>${esc(c)}</th>`).join("");
  // prose (a known miss's reason, a note) reads left-aligned; figures right-aligned
  const td = (c: string) => (c.length > 40 && /\s/.test(c) ? `<td class="text">${esc(c)}</td>` : `<td>${esc(c)}</td>`);
  const body = spec.table.rows.map((r) => `<tr>${r.map(td).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

// Runs in the page: attaches plugins and unit-aware tooltips, draws every chart.
const PAGE_SCRIPT = `
(function () {
  var charts = JSON.parse(document.getElementById("wafersim-data").textContent);
  var plugins = [
    { id: "wafersimBackground", beforeDraw: HOOK_FILL },
    { id: "wafersimSource", afterDraw: HOOK_SOURCE },
    { id: "wafersimErrorBars", afterDatasetsDraw: HOOK_ERRORBARS },
    { id: "wafersimPointLabels", afterDatasetsDraw: HOOK_LABELS }
  ];
  function fmt(v) {
    if (typeof v !== "number" || !isFinite(v)) return String(v);
    return Number(v.toPrecision(4)).toLocaleString("en-US", { maximumFractionDigits: 6 });
  }
  function withUnit(v, unit) { return fmt(v) + (unit ? " " + unit : ""); }
  window.wafersimCharts = [];
  charts.forEach(function (c) {
    var cfg = c.config;
    cfg.plugins = plugins;
    cfg.options.plugins.legend.labels.filter = HOOK_LEGEND;
    Object.keys(cfg.options.scales).forEach(function (k) {
      var sc = cfg.options.scales[k];
      if (sc.type === "logarithmic") { sc.ticks.callback = HOOK_LOGTICK; sc.afterBuildTicks = HOOK_LOGTICKS; }
    });
    cfg.options.plugins.tooltip.callbacks = {
      label: function (ctx) {
        var raw = ctx.raw || {};
        var p = ctx.parsed;
        var name = ctx.dataset.label + (raw.label ? " " + raw.label : "");
        if (p._custom && typeof p._custom.barStart === "number") {
          return name + ": " + withUnit(p._custom.barStart, c.valueUnit) + " to " + withUnit(p._custom.barEnd, c.valueUnit);
        }
        var v = c.horizontal ? p.x : p.y;
        if (c.xNumeric) return name + ": " + withUnit(v, c.valueUnit) + " at " + c.xTitle + " " + withUnit(p.x, c.xUnit);
        return name + ": " + withUnit(v, c.valueUnit);
      }
    };
    var canvas = document.getElementById("chart-" + c.id);
    new Chart(canvas.getContext("2d"), cfg);
    window.wafersimCharts.push(c.id);
  });
})();
`;

export interface ReportOptions {
  readonly title: string;
  /** a line under the title, e.g. what the scenario is */
  readonly description?: string;
}

/** A titled group of charts (a section of the page with its own heading). */
export interface HtmlPart {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly specs: readonly ChartSpec[];
}

/**
 * One chart's section: the canvas, its source line (as text, once per page: a chart whose
 * source an earlier chart already printed points back to it) and its table.
 */
function sectionHtml(s: ChartSpec, firstWithSource: ReadonlyMap<string, ChartSpec>): string {
  const first = firstWithSource.get(s.source);
  const source = !first || first === s ? esc(s.source) : `Source: as for <a href="#${esc(first.id)}">${esc(first.title)}</a> above.`;
  return `<section id="${esc(s.id)}">
<canvas id="chart-${esc(s.id)}" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" role="img" aria-label="${esc(s.title)}"></canvas>
<p class="source">${source}</p>
${tableHtml(s)}
</section>`;
}

/** The chart's Chart.js configuration for the page: the source line is printed under the canvas, not drawn in it. */
function pageConfig(s: ChartSpec): ChartJsConfig {
  const cfg = toChartJs(s);
  const plugins = cfg.options["plugins"] as Record<string, unknown>;
  const layout = cfg.options["layout"] as { padding: Record<string, number> };
  return { ...cfg, options: { ...cfg.options, layout: { padding: { ...layout.padding, bottom: 12 } }, plugins: { ...plugins, wafersimSource: { lines: [] } } } };
}

/** One page with every chart: a flat list, or parts each under its own heading (chart ids must be unique). */
export function buildHtml(content: readonly ChartSpec[] | readonly HtmlPart[], opts: ReportOptions): string {
  const parts: readonly HtmlPart[] | undefined = content.length > 0 && "specs" in content[0]! ? (content as readonly HtmlPart[]) : undefined;
  const specs: readonly ChartSpec[] = parts ? parts.flatMap((p) => p.specs) : (content as readonly ChartSpec[]);
  const ids = specs.map((s) => s.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) throw new Error(`buildHtml: two charts with the id ${dup}`);
  const data = specs.map((s) => ({
    id: s.id,
    config: pageConfig(s),
    horizontal: s.horizontal ?? false,
    valueUnit: s.horizontal ? s.x.unit : s.y.unit,
    xNumeric: !s.horizontal && s.x.scale !== "category",
    xTitle: s.x.title,
    xUnit: s.x.unit,
  }));
  const script = PAGE_SCRIPT
    .replace("HOOK_FILL", () => wafersimFillBackground.toString())
    .replace("HOOK_SOURCE", () => wafersimDrawSource.toString())
    .replace("HOOK_ERRORBARS", () => wafersimDrawErrorBars.toString())
    .replace("HOOK_LABELS", () => wafersimDrawPointLabels.toString())
    .replace("HOOK_LEGEND", () => wafersimLegendFilter.toString())
    .replace("HOOK_LOGTICKS", () => wafersimLogTicks.toString())
    .replace("HOOK_LOGTICK", () => wafersimLogTick.toString());
  const firstWithSource = new Map<string, ChartSpec>();
  for (const sp of specs) if (!firstWithSource.has(sp.source)) firstWithSource.set(sp.source, sp);
  const sectionOf = (sp: ChartSpec) => sectionHtml(sp, firstWithSource);
  const sections = parts
    ? `<nav><ul>${parts.map((p) => `<li><a href="#part-${esc(p.id)}">${esc(p.title)}</a> (${p.specs.length} chart${p.specs.length === 1 ? "" : "s"})</li>`).join("")}</ul></nav>\n${
      parts.map((p) => `<div class="part" id="part-${esc(p.id)}">\n<h2>${esc(p.title)}</h2>\n${p.description ? `<p>${esc(p.description)}</p>\n` : ""}${p.specs.map(sectionOf).join("\n")}\n</div>`).join("\n")}`
    : specs.map(sectionOf).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(opts.title)}</title>
<style>
body { font-family: 'DejaVu Sans', Arial, sans-serif; margin: 24px; color: #111; background: #fff; }
section { margin: 0 0 48px 0; }
canvas { display: block; border: 1px solid #ddd; }
table { border-collapse: collapse; margin-top: 12px; font-size: 14px; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
td { white-space: nowrap; }
td.text { max-width: 560px; font-size: 13px; white-space: normal; }
h2 { margin-top: 40px; border-bottom: 1px solid #ccc; }
th { background: #f2f2f2; }
.source { font-size: 12px; color: #333; max-width: 1200px; }
</style>
</head>
<body>
<h1>${esc(opts.title)}</h1>
${opts.description ? `<p>${esc(opts.description)}</p>` : ""}
${sections}
<script>${chartJsSource().replace(/<\/script/gi, () => "<\\/script")}</script>
<script type="application/json" id="wafersim-data">${scriptJson(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}
