import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/model/load.js";
import { ROOT } from "../helpers.js";

/**
 * Published Hugging Face config.json files, committed as fixtures with their sources
 * (tests/fixtures/hf/SOURCES.md). Expected counts come from the model cards; each line gives
 * the derivation. Convention: active leaves out the input embedding table (a lookup).
 */
const fixture = (f: string) => loadModel(`${ROOT}tests/fixtures/hf/${f}`);

describe("published config.json files", () => {
  it("dense: Llama 3.1 8B Instruct has 8.03 B parameters", () => {
    // 32 x (4096 x (4096 + 1024 + 1024 + 4096) + 3 x 4096 x 14336 + 2 x 4096) + 2 x 128256 x 4096 + 4096 = 8,030,261,248
    const m = fixture("llama-3.1-8b-instruct.json");
    expect(m.params.totalParams).toBe(8_030_261_248);
    expect(m.params.totalParams).toBeWithinRel(8.03e9, 0.001);
  });

  it("dense with qk-norm: Qwen3-32B has 32.8 B", () => {
    // 64 x (5120 x (8192 + 1024 + 1024) + 8192 x 5120 + 3 x 5120 x 25600 + norms) + 2 x 151936 x 5120 = 32.76 B
    expect(fixture("qwen3-32b.json").params.totalParams).toBeWithinRel(32.8e9, 0.002);
  });

  it("MoE with sliding windows and mxfp4: gpt-oss-120b has 116.8 B total, 5.1 B active", () => {
    // 36 x 128 experts x (3 x 2880 x 2880 + biases) = 114.7 B; attention 36 x 26.5 M; 2 x 201088 x 2880 embeddings
    // active: 4 of 128 experts (3.58 B) + attention (0.96 B) + head (0.58 B) = 5.13 B
    const m = fixture("gpt-oss-120b.json");
    expect(m.params.totalParams).toBeWithinRel(116.8e9, 0.001);
    expect(m.params.activeParams).toBeWithinRel(5.1e9, 0.01);
    expect(m.arch.groups.map((g) => g.window)).toEqual([128, null]);
    expect(m.arch.nativeFormat.experts).toBe("fp4");
  });

  it("MoE: Qwen3-Coder-480B-A35B has 480 B total, 35 B active", () => {
    // 62 x 160 experts x 3 x 6144 x 2560 = 468.1 B + attention 62 x 0.17 B + embeddings 1.87 B = 480.2 B; active 8 of 160
    const m = fixture("qwen3-coder-480b-a35b-instruct.json");
    expect(m.params.totalParams).toBeWithinRel(480e9, 0.002);
    expect(m.params.activeParams).toBeWithinRel(35e9, 0.02);
  });

  it("MLA + MoE: Kimi K2 has ~1.03 T total, 32 B active", () => {
    // 60 MoE layers x 384 x 3 x 7168 x 2048 = 1,014.7 B; MLA 61 x 101 M; one dense layer 396 M; shared experts 2.6 B;
    // embeddings 2.35 B: 1,026.4 B (Moonshot: "1T total"; issue: ~1.04 T). Active: 8 of 384 experts = 31.7 B (32 B).
    const m = fixture("kimi-k2-instruct.json");
    expect(m.arch.attention.kind).toBe("mla");
    expect(m.params.totalParams).toBeWithinRel(1.04e12, 0.015);
    expect(m.params.activeParams).toBeWithinRel(32e9, 0.015);
    expect(m.arch.nativeFormat.default).toBe("fp8");
  });

  it("text_config wrapper: Llama 4 Scout has 109 B total, 17 B active (with its vision encoder)", () => {
    // text model: 48 x (16 experts + 1 shared) x 3 x 5120 x 8192 = 102.7 B + attention 3.0 B + embeddings 2.07 B = 107.8 B;
    // the published 109 B includes the vision encoder, which a text decode does not run. Active: 1 routed + 1 shared
    // expert per layer (12.1 B) + attention + head = 16.1 B; 17 B counts the embedding table too (+1.03 B).
    const m = fixture("llama-4-scout-17b-16e-instruct.json");
    expect(m.params.totalParams).toBeWithinRel(109e9, 0.015);
    expect(m.params.activeParams + m.params.embeddingParams).toBeWithinRel(17e9, 0.02);
    // chunked attention (8192) on three of every four layers
    expect(m.arch.groups.map((g) => [g.count, g.window])).toEqual([[36, 8192], [12, null]]);
  });
});
