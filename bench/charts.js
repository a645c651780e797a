// Chart render time per chart (target: under 200 ms each at 1200 x 700). Prints figures,
// asserts nothing. Run by `npm run bench` (via bench/run.js) or alone: `node bench/charts.js`.
import { performance } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { CHART_SETS, engineSpecs, readChartInputs, specsFromInputs } from "../dist/charts/index.js";
import { buildHtml } from "../dist/charts/html.js";
import { renderChart } from "../dist/charts/render.js";

const fixture = (name) => JSON.parse(readFileSync(new URL(`../tests/charts/fixtures/${name}`, import.meta.url), "utf8"));

export function benchCharts() {
  const t0 = performance.now();
  const specs = [
    ...engineSpecs(CHART_SETS["codex-spark"], "bench"),
    ...specsFromInputs(readChartInputs({ calibration: fixture("calibration.json"), sessions: fixture("sessions.json").sessions, sweep: fixture("sweep.json") }, "bench.json"), { version: "bench", file: "bench.json" }),
  ];
  console.log(`${"chart specs for charts 1-6 (engine runs included)".padEnd(58)} ${(performance.now() - t0).toFixed(1).padStart(12)} ms`);
  for (const format of ["png", "svg"]) {
    const c0 = performance.now();
    renderChart(specs[0], format); // first render loads Chart.js into the renderer
    console.log(`${`first ${format} render (loads Chart.js and canvas)`.padEnd(58)} ${(performance.now() - c0).toFixed(1).padStart(12)} ms`);
    for (const spec of specs) {
      const n = 5;
      const s0 = performance.now();
      for (let i = 0; i < n; i++) renderChart(spec, format);
      const ms = (performance.now() - s0) / n;
      console.log(`${`render ${spec.id} ${format} 1200 x 700`.padEnd(58)} ${ms.toFixed(1).padStart(12)} ms  (target < 200 ms${ms < 200 ? "" : ", MISSED"})`);
    }
  }
  const h0 = performance.now();
  const html = buildHtml(specs, { title: "bench" });
  console.log(`${`html report of ${specs.length} charts (${(html.length / 1024).toFixed(0)} KiB)`.padEnd(58)} ${(performance.now() - h0).toFixed(1).padStart(12)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) benchCharts();
