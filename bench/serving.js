// Serving simulation speed and memory (issue 14): one million requests through a continuous-
// batching GPU deployment (target: at most 10 s on one core), and ten million in a child process
// with its peak RSS (target: under 1 GB). Prints figures, asserts nothing.
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const N = Number(process.env.WAFERSIM_BENCH_REQUESTS ?? 0);

async function once(requests) {
  const { runSimulation } = await import("../dist/serving/run.js");
  const t0 = performance.now();
  const r = runSimulation({
    model: "llama-3.1-8b", hardware: "nvidia-h200", chips: 1, replicas: 4, rate: 40, requests,
    promptTokens: { kind: "lognormal", mean: 1000, cv: 1 }, outputTokens: { kind: "lognormal", mean: 250, cv: 1 },
  });
  const s = (performance.now() - t0) / 1000;
  return { s, events: r.events, requests: r.requests };
}

if (N > 0) {
  // child: run and report
  const { s, events } = await once(N);
  const rss = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ s, events, rss }));
} else {
  const { s, events, requests } = await once(1_000_000);
  console.log(`${"serving: 1M requests, continuous batching, 4 x H200, 8B".padEnd(58)} ${s.toFixed(2).padStart(12)} s  (${(events / s / 1e6).toFixed(2)} M events/s, ${requests} finished)`);
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, WAFERSIM_BENCH_REQUESTS: "10000000" }, encoding: "utf8" });
  const line = child.stdout.trim().split("\n").pop() ?? "";
  try {
    const c = JSON.parse(line);
    console.log(`${"serving: 10M requests in a child process".padEnd(58)} ${c.s.toFixed(1).padStart(12)} s  (${(c.events / c.s / 1e6).toFixed(2)} M events/s, peak RSS ${(c.rss / 1e6).toFixed(0)} MB)`);
  } catch {
    console.log(`serving: 10M requests: the child failed: ${child.stderr.slice(0, 400)}`);
  }
}
