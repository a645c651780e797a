import { describe, expect, it } from "vitest";
import { InputError, evaluate, loadHardware, loadModel, prepareFrom } from "../../src/index.js";
import { LeanEvaluator, M, BOUNDS } from "../../src/scenario/fast.js";

// The sweep path must give the full Prediction's figures exactly: same physics, same order.
const cases = [
  { name: "wafer, auto chips", model: "llama-3.1-70b", hw: "cerebras-wse3", opts: {} },
  { name: "wafer, 8 chips asked", model: "llama-3.1-8b", hw: "cerebras-wse3", opts: { chips: 8 } },
  { name: "GPU, 8 x H200", model: "llama-3.1-70b", hw: "nvidia-h200", opts: { chips: 8 } },
  { name: "GPU MoE, auto", model: "gpt-oss-120b", hw: "nvidia-b200", opts: {} },
  { name: "GPU, fp8", model: "llama-3.1-70b", hw: "nvidia-h100-sxm", opts: { precision: "fp8" as const } },
  // MLA: every tensor-parallel rank holds the latent KV, so the layout changes what it must hold
  { name: "GPU MLA, auto (KV copies per rank)", model: "kimi-k2", hw: "nvidia-h200", opts: {} },
] as const;

describe("LeanEvaluator equals evaluate()", () => {
  it.each(cases)("$name", ({ model, hw, opts }) => {
    const pr = prepareFrom(loadModel(model), loadHardware(hw), opts);
    const lean = new LeanEvaluator(pr);
    const out = new Float64Array(12);
    for (const batch of [1, 3, 16, 64]) {
      for (const prompt of [1, 1000, 8192, 65536]) {
        for (const output of [1, 256]) {
          for (const spec of [undefined, { draftTokens: 4, acceptance: 0.7 }]) {
            const note = lean.evaluate(batch, prompt, output, spec?.draftTokens ?? 0, spec?.acceptance ?? 0, out);
            let p;
            try {
              p = evaluate(pr, { batch, promptTokens: prompt, outputTokens: output }, spec);
            } catch (err) {
              // evaluate() refuses a point the chips asked for cannot hold; the sweep notes it.
              expect(err).toBeInstanceOf(InputError);
              expect(note).toMatch(/cannot hold/);
              continue;
            }
            expect(note).toBe("");
            expect(out[M.tps]).toBe(p.decode.tokensPerSecondPerUser);
            expect(out[M.tpot]).toBe(p.decode.timePerOutputTokenSeconds);
            expect(out[M.aggregate]).toBe(p.decode.aggregateTokensPerSecond);
            expect(out[M.roofline]).toBe(p.decode.rooflineTokensPerSecondPerUser);
            expect(BOUNDS[out[M.bound]!]).toBe(p.decode.bound);
            expect(out[M.prefill]).toBe(p.prefill.seconds);
            expect(out[M.ttft]).toBe(p.ttftSeconds);
            expect(out[M.request]).toBe(p.requestSeconds);
            expect(out[M.chips]).toBe(p.hardware.chips);
            expect(out[M.needed]).toBe(p.memory.neededBytes);
            expect(out[M.fits] === 1).toBe(p.memory.fits);
          }
        }
      }
    }
  });

  it("reuses placements only where place() would choose the same (descending and ascending needs)", () => {
    const pr = prepareFrom(loadModel("llama-3.1-70b"), loadHardware("cerebras-wse3"), {});
    const lean = new LeanEvaluator(pr);
    const out = new Float64Array(12);
    const batches = [64, 1, 32, 2, 16, 4, 8, 48, 24, 12];
    for (const b of batches) {
      // 130,816 + 256 output tokens fill Llama 3.1's 131,072-token window
      for (const prompt of [130816, 1024, 65536, 4096]) {
        lean.evaluate(b, prompt, 256, 0, 0, out);
        expect(out[M.chips]).toBe(evaluate(pr, { batch: b, promptTokens: prompt, outputTokens: 256 }).hardware.chips);
      }
    }
  });

  it("a point beyond the model's context window is a note, not an exception", () => {
    const pr = prepareFrom(loadModel("llama-3.1-70b"), loadHardware("cerebras-wse3"), {});
    const out = new Float64Array(12);
    expect(new LeanEvaluator(pr).evaluate(1, 131072, 256, 0, 0, out)).toMatch(/exceed the model's context window; at most 131072 tokens/);
    expect(Number.isNaN(out[M.tps])).toBe(true);
  });

  it("a point that does not fit the chips asked for is a note, not an exception", () => {
    const pr = prepareFrom(loadModel("llama-3.1-70b"), loadHardware("cerebras-wse3"), { chips: 1 });
    const out = new Float64Array(12);
    const note = new LeanEvaluator(pr).evaluate(1, 1024, 256, 0, 0, out);
    expect(note).toMatch(/cannot hold the model/);
    expect(out[M.fits]).toBe(0);
    expect(Number.isNaN(out[M.tps])).toBe(true);
    // 70.6 B parameters in bf16 are 141 GB, more than one wafer's 43.9 GB
    expect(out[M.needed]).toBeGreaterThan(43.9e9);
  });
});
