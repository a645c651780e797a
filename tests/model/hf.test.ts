import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/model/load.js";
import { predict } from "../../src/engine/predict.js";
import { LIMITS } from "../../src/schema/limits.js";
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
    ["an absurd size", { ...dense, hidden_size: 1e30 }, "hidden_size", "too large"],
    // found by the fuzz suite: the lookup reached Object.prototype and the engine crashed
    ["a torch_dtype that names a prototype member", { ...dense, torch_dtype: "__proto__" }, "torch_dtype", "not understood"],
    ["a torch_dtype toString", { ...dense, torch_dtype: "toString" }, "torch_dtype", "not understood"],
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

describe("config.json fields that look valid but are not modelled", () => {
  it.each([
    ["a Mamba model", { ...dense, architectures: ["MambaForCausalLM"], model_type: "mamba" }, ["model_type", "architectures"]],
    ["a BERT encoder", { ...dense, architectures: ["BertModel"], model_type: "bert" }, ["model_type", "architectures"]],
    ["a Llama config with an unknown class", { ...dense, architectures: ["LlamaForSequenceClassification"] }, ["architectures"]],
    ["a config that does not say what it is", { ...dense, architectures: undefined, model_type: undefined }, ["model_type"]],
    ["a text_config of another family", { architectures: ["Llama4ForConditionalGeneration"], model_type: "llama4", text_config: { ...dense, architectures: undefined, model_type: "gemma3_text" } }, ["text_config.model_type"]],
  ])("refuses %s, listing what the engine models", (_what, cfg, paths) => {
    const issues = issuesOf(() => loadModel(json(cfg)));
    expect(issues.map((i) => i.path)).toEqual(paths);
    for (const i of issues) expect(i.problem).toMatch(/does not model|missing: which architecture/);
    expect(issues[0]?.expected).toMatch(/llama.*qwen3.*deepseek_v3|LlamaForCausalLM.*Qwen3ForCausalLM/);
  });

  it.each([
    ["state_size", 16, "state-space (Mamba) layers are not modelled"],
    ["layers_block_type", ["mamba", "attention"], "hybrid attention / state-space layers are not modelled"],
    ["full_attention_interval", 4, "hybrid linear / full attention layers are not modelled"],
    ["sliding_window_pattern", 6, "field not understood"],
    ["mamba_expand", 2, "field not understood"],
  ])("refuses the field %s on a Llama config (it would be dropped silently)", (key, value, problem) => {
    expect(issuesOf(() => loadModel(json({ ...dense, [key]: value })))).toEqual([expect.objectContaining({ path: key, problem })]);
  });

  it("models Llama 4's attention_chunk_size: a smaller chunk holds less KV cache at a long prompt", () => {
    // 3 of every 4 layers attend within the chunk; at a 100,000-token prompt their KV is capped at the chunk
    const scout = (chunk: number | undefined) => {
      const text = { model_type: "llama4_text", num_hidden_layers: 48, hidden_size: 5120, num_attention_heads: 40, num_key_value_heads: 8, head_dim: 128, intermediate_size: 8192, intermediate_size_mlp: 16384, num_local_experts: 16, num_experts_per_tok: 1, vocab_size: 202048, ...(chunk ? { attention_chunk_size: chunk } : {}) };
      const f = json({ architectures: ["Llama4ForConditionalGeneration"], model_type: "llama4", text_config: text, torch_dtype: "bfloat16" });
      return predict({ model: f, hardware: "nvidia-h200", chips: 8, promptTokens: 100_000, outputTokens: 1 }).memory.kvCacheBytes;
    };
    // per token and layer: 2 (K, V) x 8 heads x 128 x 2 bytes = 4,096 B; 12 global layers hold 100,001 tokens,
    // 36 chunked layers min(100,001, chunk)
    expect(scout(undefined)).toBeWithinRel(4096 * 48 * 100_001, 1e-6);
    expect(scout(8192)).toBeWithinRel(4096 * (12 * 100_001 + 36 * 8192), 1e-6);
  });
});

describe("named limits on config.json sizes", () => {
  it.each([
    ["num_hidden_layers", 2 ** 31, "MAX_LAYERS"],
    ["hidden_size", 2 ** 31, "MAX_WIDTH"],
    ["intermediate_size", 2 ** 31, "MAX_WIDTH"],
    ["num_attention_heads", 2 ** 20, "MAX_HEADS"],
    ["vocab_size", 2 ** 31, "MAX_VOCAB"],
    ["num_local_experts", 1e6, "MAX_EXPERTS"],
    ["max_position_embeddings", 1e12, "MAX_TOKENS"],
  ])("%s of %d is refused with %s", (key, value, name) => {
    const [issue] = issuesOf(() => loadModel(json({ ...dense, [key]: value })));
    expect(issue).toMatchObject({ path: key, problem: "too large" });
    expect(issue?.expected).toContain(name);
  });

  it("the largest sizes each within its limit still make a model over MAX_PARAMS: refused", () => {
    // 10,000 layers x 3 x 1,048,576^2 FFN weights alone = 3.3e16 > 1e15
    const cfg = { ...dense, num_hidden_layers: LIMITS.layers.max, hidden_size: LIMITS.width.max, intermediate_size: LIMITS.width.max, num_attention_heads: 8192, num_key_value_heads: 8192 };
    const [issue] = issuesOf(() => loadModel(json(cfg)));
    expect(issue).toMatchObject({ problem: "too many parameters" });
    expect(issue?.expected).toContain("MAX_PARAMS");
  });
});

