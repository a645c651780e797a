import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { loadHardware } from "../../src/hardware/load.js";
import { loadModel } from "../../src/model/load.js";
import { predict, prepareFrom } from "../../src/engine/predict.js";

describe("published anchors the engine must respect", () => {
  it("Llama 3.1 8B bf16 batch 1 on one H100: at most the HBM roofline and at least 60% of it", () => {
    const p = predict({ model: "llama-3.1-8b", hardware: "nvidia-h100-sxm" });
    // roofline: 3.35 TB/s / (8.03B x 2 bytes) = 208.6 tok/s
    const roof = 3.35e12 / (8.03e9 * 2); // 208.6 tok/s
    expect(p.hardware.chips).toBe(1);
    expect(p.decode.tokensPerSecondPerUser).toBeLessThanOrEqual(roof);
    expect(p.decode.tokensPerSecondPerUser).toBeGreaterThanOrEqual(0.6 * roof);
    expect(p.decode.bound).toBe("memory");
  });

  it("Llama 3.1 8B bf16 batch 1 on one CS-3: 1,500 to 2,500 tok/s, hundreds of times below the SRAM roofline", () => {
    // The 1,800 tok/s figure was published for Cerebras's August 2024 software, so this checks that
    // stack. The default (October 2024+) stack's fitted parameters also carry undisclosed speculative
    // decoding gains of the large models it was fitted to (models/references/figures.yaml).
    const p = predict({ model: "llama-3.1-8b", hardware: "cerebras-wse3", software: "cerebras-2024-08" });
    expect(p.hardware.chips).toBe(1);
    expect(p.decode.tokensPerSecondPerUser).toBeGreaterThanOrEqual(1500);
    expect(p.decode.tokensPerSecondPerUser).toBeLessThanOrEqual(2500);
    // Far below the 21 PB/s roofline (~1.3M tok/s). Whether the rest is booked as slow per-core
    // reads or as mesh latency is the fit's call: Cerebras said this release used "a fraction of
    // peak bandwidth", and WaferLLM measured GEMVs at 2-5% of the WSE-2's peak (Table 6).
    expect(p.decode.rooflineTokensPerSecondPerUser).toBeGreaterThan(1e6);
    expect(p.decode.rooflineTokensPerSecondPerUser / p.decode.tokensPerSecondPerUser).toBeGreaterThan(300);
  });

  it("places Llama 3.1 70B bf16 on 4 CS-3 and 405B bf16 on at least 19", () => {
    // 70.55B x 2 = 141 GB over 43.9 GB wafers: 4; 405.85B x 2 = 812 GB: 19
    expect(predict({ model: "llama-3.1-70b", hardware: "cerebras-wse3", batch: 1, promptTokens: 1024 }).hardware.chips).toBe(4);
    expect(predict({ model: "llama-3.1-405b", hardware: "cerebras-wse3" }).hardware.chips).toBeGreaterThanOrEqual(19);
  });

  it("GPU placement: tensor parallel within a node, pipeline across nodes", () => {
    const p70 = predict({ model: "llama-3.1-70b", hardware: "nvidia-h100-sxm" });
    // 141 GB + KV over 72 GB usable per H100: 2, rounded up to a power of two
    expect([p70.hardware.chips, p70.hardware.tensorParallel, p70.hardware.pipelineStages]).toEqual([2, 2, 1]);
    const p405 = predict({ model: "llama-3.1-405b", hardware: "nvidia-h100-sxm" });
    // 812 GB over 72 GB: 12 GPUs -> two nodes of 8
    expect([p405.hardware.chips, p405.hardware.tensorParallel, p405.hardware.pipelineStages]).toEqual([16, 8, 2]);
  });

  it("too few chips is bad input that says what is needed", () => {
    try {
      predict({ model: "llama-3.1-70b", hardware: "cerebras-wse3", chips: 2 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      // 70.55 B x 2 bytes = 141 GB against 2 x 43.9 GB; four wafers hold it
      expect((err as InputError).issues[0]?.problem).toMatch(/2 x cerebras-wse3 cannot hold the model \(141 GB weights/);
      expect((err as InputError).issues[0]?.expected).toMatch(/at least 4 chips/);
    }
  });

  it("a 10k-token prompt decodes slower per token than a 100-token one", () => {
    for (const hardware of ["nvidia-h200", "cerebras-wse3"]) {
      const short = predict({ model: "gpt-oss-120b", hardware, promptTokens: 100 });
      const long = predict({ model: "gpt-oss-120b", hardware, promptTokens: 10_000 });
      expect(long.decode.tokensPerSecondPerUser).toBeLessThan(short.decode.tokensPerSecondPerUser);
    }
  });

  it("a wafer pipeline carries several users' tokens at once; GPU batching amortises weights", () => {
    const w1 = predict({ model: "llama-3.1-8b", hardware: "cerebras-wse3", batch: 1, chips: 1 });
    const w8 = predict({ model: "llama-3.1-8b", hardware: "cerebras-wse3", batch: 8, chips: 1 });
    expect(w8.decode.tokensPerSecondPerUser).toBeWithinRel(w1.decode.tokensPerSecondPerUser, 0.02);
    expect(w8.decode.aggregateTokensPerSecond).toBeWithinRel(8 * w1.decode.aggregateTokensPerSecond, 0.02);
    const g1 = predict({ model: "llama-3.1-8b", hardware: "nvidia-h100-sxm", batch: 1 });
    const g32 = predict({ model: "llama-3.1-8b", hardware: "nvidia-h100-sxm", batch: 32 });
    expect(g32.decode.aggregateTokensPerSecond).toBeGreaterThan(10 * g1.decode.aggregateTokensPerSecond);
  });

  it("speculative decoding: more tokens per step, and the draft's cost shows", () => {
    const base = predict({ model: "llama-3.1-70b", hardware: "nvidia-h200", chips: 8 });
    const spec = predict({ model: "llama-3.1-70b", hardware: "nvidia-h200", chips: 8, speculation: { draftTokens: 4, acceptance: 0.8 } });
    const withDraftModel = predict({ model: "llama-3.1-70b", hardware: "nvidia-h200", chips: 8, speculation: { draftTokens: 4, acceptance: 0.8 }, draftModel: "llama-3.1-8b" });
    expect(spec.speculation?.tokensPerStep).toBeWithinRel((1 - 0.8 ** 5) / 0.2, 1e-12);
    expect(spec.decode.tokensPerSecondPerUser).toBeGreaterThan(base.decode.tokensPerSecondPerUser);
    expect(spec.breakdown.decode.draft).toBeGreaterThan(0);
    expect(withDraftModel.breakdown.decode.draft).toBeGreaterThan(spec.breakdown.decode.draft);
  });
});

describe("review fixes", () => {
  it("wafer prefill time grows with the number of prompts in the batch", () => {
    const one = predict({ model: "llama-3.1-70b", hardware: "cerebras-wse3", chips: 8, batch: 1 });
    const many = predict({ model: "llama-3.1-70b", hardware: "cerebras-wse3", chips: 8, batch: 80 });
    expect(many.prefill.seconds).toBeGreaterThan(10 * one.prefill.seconds);
  });

  it("a request longer than the model's context window is bad input naming the model file", () => {
    try {
      predict({ model: "llama-2-7b", hardware: "nvidia-h100-sxm", promptTokens: 4000, outputTokens: 200 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      // Llama 2's window: max_position_embeddings 4096 < 4,000 + 200
      expect((err as InputError).issues[0]).toMatchObject({ path: "max_position_embeddings", expected: "at most 4096 tokens" });
    }
  });

  it("a speculative draft's weights and KV cache are placed beside the target", () => {
    const base = predict({ model: "llama-3.1-70b", hardware: "nvidia-h200", chips: 8 });
    const withDraft = predict({ model: "llama-3.1-70b", hardware: "nvidia-h200", chips: 8, speculation: { draftTokens: 4, acceptance: 0.8 }, draftModel: "llama-3.1-8b" });
    // + Llama 3.1 8B's 16.06 GB of bf16 weights
    expect(withDraft.memory.weightBytes - base.memory.weightBytes).toBeWithinRel(loadModel("llama-3.1-8b").params.totalParams * 2, 1e-6);
    expect(withDraft.memory.kvCacheBytes).toBeGreaterThan(base.memory.kvCacheBytes);
  });

  it("the per-user roofline counts only chips that work on a token at once (a TP group, one wafer)", () => {
    const one = predict({ model: "llama-3.1-8b", hardware: "cerebras-wse3", chips: 1 });
    const four = predict({ model: "llama-3.1-8b", hardware: "cerebras-wse3", chips: 4 });
    expect(four.decode.rooflineTokensPerSecondPerUser).toBeWithinRel(one.decode.rooflineTokensPerSecondPerUser, 1e-9);
  });
});

describe("prefill after a prompt-cache hit", () => {
  it("costs more than the new tokens alone and less than the whole prompt", async () => {
    const { prefillAfterCache, prepare } = await import("../../src/engine/predict.js");
    for (const hardware of ["nvidia-h200", "cerebras-wse3"]) {
      const pr = prepare({ model: "gpt-oss-120b", hardware });
      const alone = prefillAfterCache(pr, 1, 2000, 0);
      const afterCache = prefillAfterCache(pr, 1, 2000, 60_000);
      const whole = prefillAfterCache(pr, 1, 62_000, 0);
      expect(afterCache).toBeGreaterThan(alone);
      expect(afterCache).toBeLessThan(whole);
    }
  });
});

describe("a layer on a chosen core region (coresPerLayer, WaferLLM's per-grid benchmarks)", () => {
  const at = (side: number) =>
    predict({ model: "llama-3.1-8b", hardware: "cerebras-wse2", software: "waferllm", promptTokens: 4095, outputTokens: 1, coresPerLayer: side * side });

  it("decode slows on a larger region (longer all-reduces) while prefill speeds up (more FLOP/s than extra GEMM steps)", () => {
    const small = at(420);
    const large = at(660);
    expect(large.decode.tokensPerSecondPerUser).toBeLessThan(small.decode.tokensPerSecondPerUser);
    expect(large.breakdown.decode.mesh).toBeGreaterThan(small.breakdown.decode.mesh);
    expect(large.prefill.seconds).toBeLessThan(small.prefill.seconds);
    // A distributed GEMM takes one step per core along the region's side: the prefill's mesh and
    // sync time grow with the side (sqrt of the cores), here by 660 / 420.
    expect(large.breakdown.prefill.sync / small.breakdown.prefill.sync).toBeCloseTo(660 / 420, 1);
  });

  it("is refused for GPUs and beyond one wafer's cores, naming the flag and the range", () => {
    expect(() => predict({ model: "llama-3.1-8b", hardware: "nvidia-h100-sxm", coresPerLayer: 1000 })).toThrow(InputError);
    // WSE-2's usable fabric: 757 x 996 = 753,972 cores
    expect(() => predict({ model: "llama-3.1-8b", hardware: "cerebras-wse2", coresPerLayer: 10_000_000 })).toThrow(/--cores-per-layer.*1 to 753972/s);
  });
});

describe("KV heads a tensor-parallel group cannot split are copied", () => {
  it("kvShards: the KV heads of GQA, one latent for MLA", async () => {
    const { profileModel, kvReplication } = await import("../../src/engine/profile.js");
    const llama = profileModel(loadModel("llama-3.1-70b"));
    const kimi = profileModel(loadModel("kimi-k2"));
    expect(llama.kvShards).toBe(8);
    expect(kimi.kvShards).toBe(1);
    expect(kvReplication(llama, 8)).toBe(1);
    expect(kvReplication(llama, 16)).toBe(2);
    expect(kvReplication(kimi, 8)).toBe(8);
  });

  it("an MLA model on 8 GPUs holds and reads 8 copies of its KV cache; a GQA model with 8 KV heads none", () => {
    // 1.03 TB of fp8 weights: 16 GPUs, tensor parallel over 8 (one node), two pipeline stages
    const p = predict({ model: "kimi-k2", hardware: "nvidia-h200", chips: 16, tensorParallel: 8, batch: 8, promptTokens: 32768 });
    expect(p.hardware.tensorParallel).toBe(8);
    // Kimi K2: 61 layers x (512 latent + 64 RoPE key) x 1 byte (fp8) = 35,136 bytes per token; every
    // rank of a TP8 group holds the whole latent: 8 users x 8 copies x the cache at 32,768 + 256 tokens
    expect(p.memory.kvCacheBytes).toBeWithinRel(8 * 8 * 35136 * (32768 + 256), 1e-12);
    const llama = predict({ model: "llama-3.1-70b", hardware: "nvidia-h200", chips: 8, tensorParallel: 8, batch: 8, promptTokens: 32768 });
    // Llama 3.1 70B: 80 layers x 2 (K, V) x 8 heads x 128 x 2 bytes = 327,680 bytes per token;
    // 8 KV heads over 8 ranks: no copies
    expect(llama.memory.kvCacheBytes).toBeWithinRel(8 * 327680 * (32768 + 256), 1e-12);
  });
});

describe("coresPerLayer must hold a layer; KV copies count in the roofline too", () => {
  it("a region whose SRAM cannot hold one layer's weights is refused with the cores it needs", () => {
    // Llama 3.1 70B bf16: ~1.7 GB per layer; 100 cores of 48 kB hold 4.8 MB
    expect(() => predict({ model: "llama-3.1-70b", hardware: "cerebras-wse3", coresPerLayer: 100 })).toThrow(/less than one layer's weights.*expected at least \d+ cores/s);
    expect(predict({ model: "llama-3.1-8b", hardware: "cerebras-wse2", software: "waferllm", coresPerLayer: 176400 }).hardware.coresPerLayer).toBe(176400);
  });

  it("the roofline of an MLA model on 8 GPUs reads its latent KV on every rank", async () => {
    const { planOf } = await import("../../src/engine/predict.js");
    const pr = prepareFrom(loadModel("kimi-k2"), loadHardware("nvidia-h200"), {});
    const plan = planOf(pr);
    const ctx = 65536;
    const layout = (tp: number) => ({ chips: tp, replicas: 1, tensorParallel: tp, pipelineStages: 1, regionCores: 0, pipelineSlots: 1, usersPerReplica: 1, idleChips: 0 });
    // memory-bound at batch 1: a token reads bytes = weights + copies x KV, at the group's bandwidth
    const bw = 4.8e12; // H200 HBM3e
    const bytesAt = (tp: number) => (tp * bw) / plan.roofline(1, ctx, layout(tp));
    // 8 ranks read 7 more copies of the latent: 7 x 35,136 bytes per token x 65,536 tokens
    expect(bytesAt(8) - bytesAt(1)).toBeWithinRel(7 * 35136 * ctx, 1e-9);
  });
});

describe("work is bounded", () => {
  it("a placement that would need more than MAX_CHIPS chips is refused, naming the limit and the count", () => {
    // 405B at a million users with 100k-token prompts: its KV cache alone needs about a million wafers
    expect(() => predict({ model: "llama-3.1-405b", hardware: "cerebras-wse3", batch: 1_000_000, promptTokens: 100_000 })).toThrow(/needs \d+ x cerebras-wse3, more than MAX_CHIPS \(1000000\) chips/);
  });
});
