import { describe, expect, it } from "vitest";
import { loadHardware, loadModel, prepareFrom } from "../../src/index.js";
import { LeanEvaluator, M, BOUNDS } from "../../src/scenario/fast.js";
import { counts, GPU, hardware, prep, S, synthModel } from "../engine/synthetic.js";

// The sweep path reads the engine's one evaluation path (a Plan) into columns: each column is
// checked against a hand calculation on a synthetic model (tests/engine/synthetic.ts), not against
// evaluate(), which reads the same plan.
describe("LeanEvaluator's columns", () => {
  it("a memory-bound GPU point by hand: time per token, speeds, prefill, request time, memory, roofline", () => {
    const c = counts(S);
    const h100 = hardware("nvidia-h100-sxm");
    const pr = prep(synthModel(S), h100);
    const out = new Float64Array(12);
    const [batch, P, O] = [2, 1024, 256];
    expect(new LeanEvaluator(pr).evaluate(batch, P, O, 0, 0, out)).toBe("");
    const bw = h100.memory.bandwidth.value * GPU.memoryEfficiency;
    const peak = h100.compute.bf16.value * GPU.computeEfficiency;
    const ctx = P + O / 2;
    // decode at batch 2 on one H100: the weights once, both users' KV, the head; plus the step overhead
    const tpot = (S.layers * (c.fixedBytes + batch * (ctx + 1) * c.kvBytesPerToken) + c.headBytes) / bw + GPU.stepOverhead;
    expect(out[M.tpot]).toBeWithinRel(tpot, 1e-9);
    expect(out[M.tps]).toBeWithinRel(1 / tpot, 1e-9);
    expect(out[M.aggregate]).toBeWithinRel(batch / tpot, 1e-9);
    expect(BOUNDS[out[M.bound]!]).toBe("memory");
    // prefill of both prompts: each op on its roofline, plus the step's and the prefill's overheads
    const layer = Math.max(c.fixedBytes / bw, (batch * P * c.matmulFlops) / peak) + Math.max((batch * P * c.kvBytesPerToken) / bw, (batch * ((P * (P + 1)) / 2) * c.attnFlopsPerPosition) / peak);
    const prefill = S.layers * layer + Math.max(c.headBytes / bw, (batch * c.headFlops) / peak) + GPU.prefillOverhead;
    expect(out[M.prefill]).toBeWithinRel(prefill, 1e-9);
    expect(out[M.ttft]).toBeWithinRel(prefill, 1e-9);
    expect(out[M.request]).toBeWithinRel(prefill + (O - 1) * tpot, 1e-9);
    // one GPU: 617.6 M weights in bf16, the runtime reserve, both users' KV at P + O
    expect(out[M.chips]).toBe(1);
    expect(out[M.needed]).toBeWithinRel(2 * 617_646_080 + GPU.runtimeReserve + batch * S.layers * c.kvBytesPerToken * (P + O), 1e-9);
    expect(out[M.fits]).toBe(1);
    expect(out[M.params]).toBe(617_646_080);
    // per-user ceiling: 3.35 TB/s over the weights a step reads and its 2 users' KV at the mid context, 2 users a step
    expect(out[M.roofline]).toBeWithinRel(h100.memory.bandwidth.value / (S.layers * c.fixedBytes + c.headBytes + batch * S.layers * c.kvBytesPerToken * ctx), 1e-9);
  });

  it("speculation goes through: tokens per step (1 - a^(k+1)) / (1 - a) divide the step", () => {
    const pr = prep(synthModel(S), hardware("nvidia-h100-sxm"));
    const plain = new Float64Array(12);
    const spec = new Float64Array(12);
    const lean = new LeanEvaluator(pr);
    lean.evaluate(1, 1000, 200, 0, 0, plain);
    lean.evaluate(1, 1000, 200, 4, 0.8, spec);
    // a verify step of 5 tokens reads the weights once: close to a plain step, plus 4 draft-head steps,
    // over 3.36 tokens: faster than plain, slower than plain / 3.36
    expect(spec[M.tpot]).toBeLessThan(plain[M.tpot]!);
    expect(spec[M.tpot]).toBeGreaterThan(plain[M.tpot]! / ((1 - 0.8 ** 5) / 0.2));
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
