import { describe, expect, it } from "vitest";
import { allReduceLatency, allReduceTransfer, meshCollectiveHops } from "../../src/engine/ops/collectives.js";
import { expectedExpertsTouched } from "../../src/engine/ops/roofline.js";
import { attendedPositions } from "../../src/engine/phases/forward.js";
import { expectedTokensPerStep } from "../../src/engine/phases/speculative.js";
import { kvBytesPerSequence, profileModel } from "../../src/engine/profile.js";
import { loadModel } from "../../src/model/load.js";
import { boundOf, scaleBreakdown, total } from "../../src/engine/types.js";

describe("ops", () => {
  it("ring all-reduce moves 2 (n-1)/n of the message, after a start-up latency; nothing on one device", () => {
    // 8 GPUs, 1 MB at 100 GB/s: 2 x 7/8 x 1e6 / 1e11 = 17.5 us, plus 5 us start-up
    expect(allReduceTransfer(1e6, 8, 1e11)).toBeWithinRel(17.5e-6, 1e-12);
    expect(allReduceLatency(8, 5e-6)).toBe(5e-6);
    // 2 GPUs: 2 x 1/2 = the whole message once
    expect(allReduceTransfer(1e6, 2, 1e11)).toBeWithinRel(10e-6, 1e-12);
    expect(allReduceTransfer(1e6, 1, 1e11)).toBe(0);
    expect(allReduceLatency(1, 5e-6)).toBe(0);
  });

  it("an all-reduce's critical path crosses the region's side once (K-tree root in the middle)", () => {
    // a 100 x 100 region: 50 hops in to the root, 50 back out (WaferLLM 6.1: "N hops")
    expect(meshCollectiveHops(10_000)).toBe(100);
  });

  it.each([
    // experts, active, tokens, expected: E (1 - (1 - k/E)^T)
    [128, 4, 1, 4],
    [128, 4, 2, 128 * (1 - (124 / 128) ** 2)],
    [8, 2, 1000, 8],
  ])("%d experts, %d active, %d tokens touch %d experts", (e, k, t, want) => {
    expect(expectedExpertsTouched(e, k, t)).toBeWithinRel(want, 1e-9);
  });

  it("a dense layer (no experts) touches none, never NaN", () => {
    expect(expectedExpertsTouched(0, 0, 16)).toBe(0);
  });

  it.each([
    // k, a, expected (1 - a^(k+1)) / (1 - a)
    [4, 0.8, (1 - 0.8 ** 5) / 0.2],
    [1, 0.5, 1.5],
    [3, 1, 4],
    [5, 0, 1],
  ])("speculation with k=%d, a=%d gives %d tokens per step", (k, a, want) => {
    expect(expectedTokensPerStep(k, a)).toBeWithinRel(want, 1e-12);
  });

  it.each([
    // c0, q, window, sum_{j=1..q} min(c0 + j, w)
    [100, 1, null, 101],
    [0, 4, null, 10],
    [0, 4, 2, 1 + 2 + 2 + 2],
    [1000, 1, 128, 128],
    [126, 3, 128, 127 + 128 + 128],
  ])("attended positions c0=%d q=%d w=%s is %d", (c0, q, w, want) => {
    expect(attendedPositions(c0, q, w)).toBe(want);
  });
});

describe("model profile", () => {
  it("weights by precision", () => {
    const m = loadModel("llama-3.1-8b");
    // 8.03B x 2 bytes = 16.06 GB in bf16; fp8 with 128x128 block scales adds 32/16384 bits per weight
    expect(profileModel(m).weightBytes).toBeWithinRel(2 * m.params.totalParams, 1e-9);
    expect(profileModel(m, "fp8").weightBytes).toBeWithinRel((m.params.totalParams * 8.002) / 8, 1e-9);
    // mxfp4: 4.25 bits per weight including the shared 8-bit scale of each 32-block
    expect(profileModel(m, "fp4").weightBytes).toBeWithinRel((m.params.totalParams * 4.25) / 8, 1e-9);
  });

  it("keeps gpt-oss's attention in bf16 and its experts in mxfp4", () => {
    const m = loadModel("gpt-oss-120b");
    const p = profileModel(m);
    // experts 114.67B x 4.25/8 + everything else (2.16B) x 2 bytes
    const other = m.params.totalParams - m.params.expertParams;
    expect(p.weightBytes).toBeWithinRel(m.params.expertParams * 0.53125 + other * 2, 1e-9);
    expect(p.weightBytes / 1e9).toBeWithinRel(65.2, 0.01);
  });

  it("attention FLOPs per attended position: QK^T and AV over the heads, or over MLA's latent", () => {
    // Llama 3.1 8B: 32 heads of 128, 2 x 32 x 128 for the scores and as many for the values = 16,384
    expect(profileModel(loadModel("llama-3.1-8b")).groups[0]!.attnFlopsPerPosition).toBe(16_384);
    // Kimi K2 (MLA, up-projections absorbed): scores over the 512 latent + 64 RoPE dims, values over
    // the latent, for 64 heads: 2 x 64 x 576 + 2 x 64 x 512 = 139,264
    expect(profileModel(loadModel("kimi-k2")).groups[0]!.attnFlopsPerPosition).toBe(139_264);
  });

  it("KV cache: GQA, MLA latent and sliding windows", () => {
    // Llama 3.1 8B: 32 layers x 2 (K, V) x 8 heads x 128 x 2 bytes = 131,072 bytes per token
    expect(kvBytesPerSequence(profileModel(loadModel("llama-3.1-8b")), 1000)).toBe(1000 * 131072);
    // Kimi K2 (MLA, fp8 KV with fp8 weights): 61 layers x (512 + 64) x 1 byte = 35,136 bytes per token
    expect(kvBytesPerSequence(profileModel(loadModel("kimi-k2")), 1000)).toBe(1000 * 35136);
    const per = 2 * 8 * 64 * 2; // gpt-oss: K and V, 8 KV heads of 64, bf16 (its attention stays bf16); 18 full + 18 sliding layers
    expect(kvBytesPerSequence(profileModel(loadModel("gpt-oss-120b")), 10_000)).toBe(18 * per * 10_000 + 18 * per * 128);
  });
});

describe("what bounds a step", () => {
  const b = { compute: 1, memory: 2, mesh: 0.5, sync: 0.5, interconnect: 1.9, overhead: 0.5, draft: 0.6 };
  it.each([
    // latency is mesh + sync + overhead + draft
    [b, "latency"],
    [{ ...b, draft: 0.4 }, "memory"],
    [{ ...b, interconnect: 2.5 }, "interconnect"],
    [{ ...b, compute: 3 }, "compute"],
    // a tie goes to the first named
    [{ compute: 1, memory: 1, mesh: 0, sync: 0, interconnect: 0, overhead: 0, draft: 0 }, "compute"],
  ] as const)("%o is %s-bound", (parts, bound) => {
    expect(boundOf(parts)).toBe(bound);
  });

  it("a breakdown scaled: every part by the same factor; the parts add up to the total", () => {
    expect(scaleBreakdown(b, 0.5)).toEqual({ compute: 0.5, memory: 1, mesh: 0.25, sync: 0.25, interconnect: 0.95, overhead: 0.25, draft: 0.3 });
    expect(total(b)).toBeCloseTo(7, 12);
  });
});
