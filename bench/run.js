// wafersim benchmarks: prints figures, asserts nothing (machines here are shared and noisy).
// Run with `npm run bench` (it builds dist/ first).
import { performance } from "node:perf_hooks";
import { evaluate, loadHardware, loadModel, predict, prepareFrom } from "../dist/index.js";
import { benchCharts } from "./charts.js";

function rate(label, n, fn) {
  for (let i = 0; i < 100; i++) fn(i); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const s = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(58)} ${(n / s).toFixed(0).padStart(12)} per second  (${n} in ${s.toFixed(3)} s)`);
  return n / s;
}

console.log(`wafersim bench on node ${process.version}, one core`);
process.env.WAFERSIM_NO_CACHE = "1";
let t0 = performance.now();
predict({ model: "llama-3.1-8b", hardware: "cerebras-wse3" });
console.log(`${"first prediction, uncached (YAML, mathjs unit parsing)".padEnd(58)} ${(performance.now() - t0).toFixed(1).padStart(12)} ms`);
delete process.env.WAFERSIM_NO_CACHE;
predict({ model: "llama-3.1-70b", hardware: "nvidia-h200" }); // fill the description cache
t0 = performance.now();
predict({ model: "llama-3.1-70b", hardware: "nvidia-h200" });
console.log(`${"a prediction from cached descriptions".padEnd(58)} ${(performance.now() - t0).toFixed(1).padStart(12)} ms`);

const model = loadModel("llama-3.1-70b");
const gpu = prepareFrom(model, loadHardware("nvidia-h200"), { chips: 8 });
const wafer = prepareFrom(model, loadHardware("cerebras-wse3"), { chips: 4 });
rate("evaluate (full Prediction object), GPU, 70B, 8 x H200", 20_000, (i) => evaluate(gpu, { batch: 1 + (i & 7), promptTokens: 1024 + i % 4096, outputTokens: 256 }));
rate("evaluate (full Prediction object), wafer, 70B, 4 x CS-3", 20_000, (i) => evaluate(wafer, { batch: 1 + (i & 7), promptTokens: 1024 + i % 4096, outputTokens: 256 }));
rate("predict from ids (loads descriptions each time)", 200, () => predict({ model: "llama-3.1-8b", hardware: "nvidia-h100-sxm" }));
await benchCharts();
await import("./sweep.js");
await import("./serving.js");
