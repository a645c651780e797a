import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/model/load.js";
import { issuesOf, tempFile } from "../helpers.js";


const dense = { architectures: ["LlamaForCausalLM"], model_type: "llama", hidden_size: 4096, intermediate_size: 14336, num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, vocab_size: 128256, torch_dtype: "bfloat16" };
const json = (o: unknown) => tempFile("config.json", JSON.stringify(o));

describe("Hugging Face config.json input", () => {
  it("reads a dense config and agrees with the shipped description", () => {
    expect(loadModel(json(dense)).params.totalParams).toBe(loadModel("llama-3.1-8b").params.totalParams);
  });

  it("treats tied embeddings as one table", () => {
    // tying removes the 128256 x 4096 = 525.3M output head from the total
    const tied = loadModel(json({ ...dense, tie_word_embeddings: true })).params.totalParams;
    expect(loadModel(json(dense)).params.totalParams - tied).toBe(128256 * 4096);
  });

  it("nests text_config (Llama 4 style) and interleaves MoE layers", () => {
    const cfg = { architectures: ["Llama4ForConditionalGeneration"], model_type: "llama4", text_config: { model_type: "llama4_text", num_hidden_layers: 48, hidden_size: 5120, num_attention_heads: 40, num_key_value_heads: 8, head_dim: 128, intermediate_size: 8192, intermediate_size_mlp: 16384, num_local_experts: 128, num_experts_per_tok: 1, interleave_moe_layer_step: 2, vocab_size: 202048 }, vision_config: { hidden_size: 1408 }, torch_dtype: "bfloat16" };
    const m = loadModel(json(cfg));
    // 24 dense layers (3 x 5120 x 16384) + 24 MoE layers (128 + 1 shared experts x 3 x 5120 x 8192)
    // + 48 x attention 62.9M + 2 x 202048 x 5120 = 400.7B (Maverick: 400B total, 17B active)
    expect(m.params.totalParams).toBeWithinRel(400e9, 0.005);
    expect(m.arch.groups.reduce((n, g) => n + (g.ffn.kind === "moe" ? g.count : 0), 0)).toBe(24);
  });

  it("reads multi-head latent attention", () => {
    const cfg = { model_type: "deepseek_v3", hidden_size: 7168, intermediate_size: 18432, moe_intermediate_size: 2048, num_attention_heads: 128, num_key_value_heads: 128, num_hidden_layers: 61, first_k_dense_replace: 3, n_routed_experts: 256, n_shared_experts: 1, num_experts_per_tok: 8, kv_lora_rank: 512, q_lora_rank: 1536, qk_nope_head_dim: 128, qk_rope_head_dim: 64, v_head_dim: 128, vocab_size: 129280, num_nextn_predict_layers: 1 };
    const m = loadModel(json(cfg));
    // DeepSeek-V3: 671B main model + 14B MTP module (technical report, arXiv 2412.19437)
    expect(m.params.totalParams).toBeWithinRel(671e9, 0.002);
    expect(m.params.activeParams).toBeWithinRel(37e9, 0.02);
    expect(m.params.totalParams + m.params.mtpParams).toBeWithinRel(685e9, 0.02);
  });

  it.each([
    ["KV heads that do not divide heads", { ...dense, num_key_value_heads: 5 }, "num_key_value_heads", "does not divide num_attention_heads"],
    ["a negative size", { ...dense, hidden_size: -4096 }, "hidden_size", "out of range"],
    ["a fractional layer count", { ...dense, num_hidden_layers: 31.5 }, "num_hidden_layers", "out of range"],
    ["a missing field", { ...dense, vocab_size: undefined }, "vocab_size", "missing"],
    ["a physics field not understood", { ...dense, num_fancy_layers: 4 }, "num_fancy_layers", "field not understood"],
    ["an unknown quantisation", { ...dense, quantization_config: { quant_method: "awq" } }, "quantization_config.quant_method", "not understood"],
  ])("refuses %s", (_what, cfg, path, problem) => {
    const issues = issuesOf(() => loadModel(json(cfg)));
    expect(issues.find((i) => i.path === path)?.problem).toContain(problem);
  });

  it("Qwen's max_window_layers: the first layers attend fully, the later ones slide", () => {
    // transformers Qwen2Config: layer i slides when i >= max_window_layers
    const m = loadModel(json({ ...dense, model_type: "qwen2", sliding_window: 4096, use_sliding_window: true, max_window_layers: 28 }));
    expect(m.arch.groups.map((g) => [g.count, g.window])).toEqual([[28, null], [4, 4096]]);
  });

  it("compressed-tensors: the weight format comes from the config groups", () => {
    const q = (bits: number, type: string) => ({ quant_method: "compressed-tensors", config_groups: { group_0: { weights: { num_bits: bits, type } } } });
    expect(loadModel(json({ ...dense, quantization_config: q(8, "float") })).arch.nativeFormat.default).toBe("fp8");
    expect(loadModel(json({ ...dense, quantization_config: q(4, "int") })).arch.nativeFormat.default).toBe("int4");
    expect(issuesOf(() => loadModel(json({ ...dense, quantization_config: q(3, "int") })))[0]).toMatchObject({ path: "quantization_config.config_groups", problem: "weight format not understood" });
  });

  it.each([
    ["a string for a boolean", { ...dense, tie_word_embeddings: "true" }, "tie_word_embeddings", "wrong type"],
    ["an absurd size", { ...dense, hidden_size: 1e30 }, "hidden_size", "out of range"],
  ])("refuses %s in a config.json", (_what, cfg, path, problem) => {
    expect(issuesOf(() => loadModel(json(cfg))).find((i) => i.path === path)?.problem).toBe(problem);
  });

  it("refuses __proto__ keys, broken and empty files", () => {
    const proto = tempFile("config.json", `{"hidden_size": 1, "__proto__": {"polluted": true}}`);
    expect(issuesOf(() => loadModel(proto))[0]).toMatchObject({ path: "__proto__", problem: "forbidden key" });
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(issuesOf(() => loadModel(tempFile("config.json", "{ not json")))[0]?.problem).toMatch(/broken JSON/);
    expect(issuesOf(() => loadModel(tempFile("m.yaml", "")))[0]?.problem).toBe("file is empty");
    expect(issuesOf(() => loadModel(tempFile("m.yaml", "a: [1, 2")))[0]?.problem).toMatch(/broken YAML/);
    expect(issuesOf(() => loadModel(tempFile("m.yaml", "__proto__: {x: 1}\nconfig: {}")))[0]).toMatchObject({ path: "__proto__", problem: "forbidden key" });
  });

  it("ignores fields that cannot change the physics", () => {
    const m = loadModel(json({ ...dense, rope_theta: 500000, bos_token_id: 1, use_cache: true, rope_scaling: { factor: 8 } }));
    expect(m.params.totalParams).toBe(loadModel("llama-3.1-8b").params.totalParams);
  });
});
