// Sweep-path benchmarks (issue 6): predictions per second per core, a 1,000 x 1,000 sweep to
// CSV against a bare roofline loop writing the same rows, and start-up of predict and list.
// Prints figures; asserts nothing.
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { loadScenario } from "../dist/scenario/load.js";
import { makePlan } from "../dist/scenario/plan.js";
import { runSweep } from "../dist/scenario/sweep.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "wafersim-bench-"));
const line = (label, value) => console.log(`${label.padEnd(58)} ${value}`);

function scenario(name, hw, model) {
  const f = join(dir, name);
  writeFileSync(f, `model: ${model}\nhardware: ${hw}\noutputTokens: 256\nsweep:\n  batch: {from: 1, to: 1000, steps: 1000}\n  promptTokens: {from: 1024, to: 32768, steps: 1000, scale: log}\n`);
  return f;
}

console.log(`\nsweep path (issue 6), node ${process.version}`);
const wafer = scenario("wafer.yaml", "cerebras-wse3", "llama-3.1-8b");
const gpu = scenario("gpu.yaml", "nvidia-h200", "llama-3.1-70b");
for (const [label, file] of [["wafer, Llama 3.1 8B", wafer], ["GPU, Llama 3.1 70B on H200s", gpu]]) {
  const plan = await makePlan(loadScenario(file));
  plan.prepareAll();
  for (let i = 0; i < 200_000; i++) plan.evaluateInto(i); // warm-up
  const n = plan.total;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) plan.evaluateInto(i);
  const s = (performance.now() - t0) / 1000;
  line(`predictions per second, one core, ${label}`, `${Math.round(n / s).toLocaleString("en-US").padStart(12)} /s  (${n.toLocaleString("en-US")} in ${s.toFixed(2)} s)`);
}

// 1,000 x 1,000 points to CSV, one worker, against a bare loop: a roofline per point
// (min(bandwidth / bytes, peak / FLOPs)) written as rows of the same width.
const out = join(dir, "sweep.csv");
const r = await runSweep(wafer, { format: "csv", out, workers: 1, progress: false });
const bytes = statSync(out).size;
line("1,000 x 1,000 sweep to CSV, one worker", `${r.seconds.toFixed(2).padStart(12)} s  (${(bytes / 1e6).toFixed(0)} MB)`);
const bare = join(dir, "bare.csv");
const t1 = performance.now();
{
  const fd = openSync(bare, "w");
  const cols = 16;
  let chunk = "";
  for (let b = 1; b <= 1000; b++) {
    for (let j = 0; j < 1000; j++) {
      const p = 1024 * Math.pow(32, j / 999);
      const bytesRead = 16e9 + b * p * 131072;
      const flops = b * 16e9;
      const tps = Math.min(21e15 / bytesRead, 125e15 / flops);
      let row = `${b},${p}`;
      for (let c = 2; c < cols; c++) row += `,${tps * c}`;
      chunk += `${row}\n`;
    }
    writeSync(fd, chunk);
    chunk = "";
  }
  closeSync(fd);
}
const bareS = (performance.now() - t1) / 1000;
line("bare roofline loop writing the same rows", `${bareS.toFixed(2).padStart(12)} s  (${(statSync(bare).size / 1e6).toFixed(0)} MB); sweep is ${(r.seconds / bareS).toFixed(1)}x`);
const rw = await runSweep(wafer, { format: "csv", out, progress: false, workers: Math.max(2, (await import("node:os")).availableParallelism()) });
line(`same sweep, ${rw.workers} workers`, `${rw.seconds.toFixed(2).padStart(12)} s`);

function startup(args) {
  const times = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    spawnSync(process.execPath, [join(root, "bin/wafersim.js"), ...args], { encoding: "utf8" });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[3];
}
line("start-up to output: predict (median of 7)", `${startup(["predict", "--model", "llama-3.1-8b", "--hardware", "cerebras-wse3"]).toFixed(0).padStart(12)} ms`);
line("start-up to output: list models (median of 7)", `${startup(["list", "models"]).toFixed(0).padStart(12)} ms`);
line("start-up to output: node -e '' (floor)", `${startup.call(null, ["--version"]).toFixed(0).padStart(12)} ms`);
rmSync(dir, { recursive: true, force: true });
