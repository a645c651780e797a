// Chart render time per chart (target: under 200 ms each at 1200 x 700). Prints figures,
// asserts nothing. Run by `npm run bench` (via bench/run.js) or alone: `node bench/charts.js`.
import { performance } from "node:perf_hooks";
import { CHART_SETS, calibrationSetSpecs, engineSpecs, scenarioCharts, sessionsSetSpecs } from "../dist/charts/index.js";
import { buildHtml } from "../dist/charts/html.js";
import { renderChart } from "../dist/charts/render.js";

function timed(label, fn) {
  const t0 = performance.now();
  const r = fn();
  console.log(`${label.padEnd(58)} ${(performance.now() - t0).toFixed(1).padStart(12)} ms`);
  return r;
}

export async function benchCharts() {
  const specs = [
    ...timed("specs: codex-spark set, charts 1-3 (engine runs)", () => engineSpecs(CHART_SETS["codex-spark"], "bench")),
    ...timed("specs: calibration set, chart 4 (calibrate, LOO refits)", () => calibrationSetSpecs("bench")),
    ...timed("specs: sessions set, chart 5 (two agent sessions)", () => sessionsSetSpecs("bench")),
  ];
  const t0 = performance.now();
  for (const ref of ["context-8k-128k", "batch-vs-speed", "precision"]) specs.push(...(await scenarioCharts(ref, { version: "bench" })).specs.map((s) => ({ ...s, id: `${ref}/${s.id}` })));
  console.log(`${"specs: 3 scenarios, chart 6 (+2, 3 for hardware sweeps)".padEnd(58)} ${(performance.now() - t0).toFixed(1).padStart(12)} ms`);
  for (const format of ["png", "svg"]) {
    const c0 = performance.now();
    renderChart(specs[0], format); // first render loads Chart.js into the renderer
    console.log(`${`first ${format} render (loads Chart.js and canvas)`.padEnd(58)} ${(performance.now() - c0).toFixed(1).padStart(12)} ms`);
    for (const spec of specs) {
      const n = 5;
      const s0 = performance.now();
      for (let i = 0; i < n; i++) renderChart(spec, format);
      const ms = (performance.now() - s0) / n;
      console.log(`${`render ${spec.id} ${format} 1200 x 700`.padEnd(70)} ${ms.toFixed(1).padStart(12)} ms  (target < 200 ms${ms < 200 ? "" : ", MISSED"})`);
    }
  }
  const h0 = performance.now();
  const html = buildHtml(specs, { title: "bench" });
  console.log(`${`html report of ${specs.length} charts (${(html.length / 1024).toFixed(0)} KiB)`.padEnd(58)} ${(performance.now() - h0).toFixed(1).padStart(12)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchCharts();
