import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/model/load.js";

/**
 * Parameter counts of the shipped descriptions against published figures. Derivations use
 * h = hidden, L = layers, I = FFN width, V = vocabulary, gated FFN = 3 h I.
 */
describe("parameter counts of shipped models", () => {
  it.each([
    // id, total, active, tolerance, derivation
    ["llama-3.1-8b", 8.03e9, 7.50e9, 0.002, "32 x (attn 41.9M + FFN 176.2M + norms) + 2 x 128256 x 4096 = 8.030B; active leaves out the 525M embedding table"],
    ["llama-3.1-70b", 70.6e9, 69.5e9, 0.005, "80 x (attn 8192 x (8192 x 2 + 1024 x 2) + FFN 3 x 8192 x 28672) + 2 x 1.05B = 70.55B (model card: 70.6B)"],
    ["llama-3.1-405b", 405.9e9, 403.8e9, 0.005, "126 x (attn 16384 x (16384 x 2 + 1024 x 2) + FFN 3 x 16384 x 53248) + 2 x 2.10B = 405.85B (model card: 405B)"],
    ["qwen3-32b", 32.8e9, 32.0e9, 0.005, "64 x (attn 5120 x (8192 x 2 + 1024 x 2) + FFN 3 x 5120 x 25600) + 2 x 0.778B = 32.76B (model card: 32.8B)"],
    ["gpt-oss-120b", 116.8e9, 5.1e9, 0.01, "36 x (128 experts x 3 x 2880^2 + attn 26.5M) + 2 x 0.579B = 116.83B; active: 4 of 128 experts + attention + head = 5.13B (model card: 116.8B / 5.1B)"],
    ["qwen3-235b-a22b", 235e9, 22e9, 0.03, "94 x (128 x 3 x 4096 x 1536 + attn 71.3M) + 2 x 0.622B = 235.1B; active 8 of 128: 21.6B (model card: 235B / 22B)"],
    ["kimi-k2", 1.04e12, 32e9, 0.015, "60 MoE layers x 384 x 3 x 7168 x 2048 = 1014.7B + MLA 61 x 101M + dense + shared + embeddings = 1026.4B (published ~1.04T); active 31.7B (32B)"],
    ["glm-4.6", 355e9, 32e9, 0.03, "89 MoE layers x 160 x 3 x 5120 x 1536 = 336B + attention 12.5B + embeddings = 352.8B, MTP layer apart (published 355B / 32B)"],
  ] as const)("%s: total %d, active %d", (id, total, active, tol, _derivation) => {
    const m = loadModel(id);
    expect(m.params.totalParams).toBeWithinRel(total, tol);
    expect(m.params.activeParams).toBeWithinRel(active, Math.max(tol, 0.01));
  });

  it("counts GLM's next-token-prediction layer separately", () => {
    // One MoE layer (attention 136.3M + 160 experts x 23.6M + shared + router) + 2h x h projection ~ 3.99B.
    expect(loadModel("glm-4.6").params.mtpParams).toBeWithinRel(3.988e9, 0.002);
    expect(loadModel("llama-3.1-8b").params.mtpParams).toBe(0);
  });

  it("reads gpt-oss's alternating sliding-window layers and mxfp4 experts", () => {
    const m = loadModel("gpt-oss-120b");
    const windows = m.arch.groups.map((g) => [g.count, g.window]);
    expect(windows).toEqual([[18, 128], [18, null]]);
    expect(m.arch.nativeFormat).toEqual({ default: "bf16", experts: "fp4" });
  });

  it("labels proxy models as assumptions", () => {
    for (const id of ["codex-spark-proxy", "gpt-5.3-codex-proxy"]) {
      const m = loadModel(id);
      expect(m.assumption?.what).toBeTruthy();
      expect(m.assumption?.why).toBeTruthy();
      expect(m.assumption?.consistentWith).toMatch(/tok\/s/);
    }
  });
});
