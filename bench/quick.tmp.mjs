import { performance } from "node:perf_hooks";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario } from "../dist/scenario/load.js";
import { makePlan } from "../dist/scenario/plan.js";
const dir = mkdtempSync(join(tmpdir(), "wb-"));
function scenario(name, hw, model, extra = "") {
  const f = join(dir, name);
  writeFileSync(f, `model: ${model}\nhardware: ${hw}\noutputTokens: 256\n${extra}sweep:\n  batch: {from: 1, to: 1000, steps: 1000}\n  promptTokens: {from: 1024, to: 32768, steps: 1000, scale: log}\n`);
  return f;
}
for (const [label, file] of [["wafer 8B", scenario("w.yaml", "cerebras-wse3", "llama-3.1-8b")], ["gpu 70B H200", scenario("g.yaml", "nvidia-h200", "llama-3.1-70b")], ["gpu 70B H200 chips 16", scenario("g16.yaml", "nvidia-h200", "llama-3.1-70b", "chips: 16\n")], ["wafer 70B chips 8", scenario("w8.yaml", "cerebras-wse3", "llama-3.1-70b", "chips: 8\n")]]) {
  const plan = await makePlan(loadScenario(file));
  plan.prepareAll();
  for (let i = 0; i < 100_000; i++) plan.evaluateInto(i);
  const n = 300_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) plan.evaluateInto(i);
  const s = (performance.now() - t0) / 1000;
  console.log(label, Math.round(n / s).toLocaleString(), "/s");
}
