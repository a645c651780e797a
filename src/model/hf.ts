import { show, type Issue } from "../errors.js";
import { LIMITS, withinLimit, type Limit } from "../schema/limits.js";
import { isPlainObject } from "../schema/spec.js";
import type { Architecture, Attention, Ffn, LayerGroup, WeightFormat } from "./arch.js";

/**
 * Reads a Hugging Face config.json exactly as published into an Architecture.
 *
 * Understood: dense Llama/Qwen/Mistral; MoE field families (num_local_experts | num_experts |
 * n_routed_experts, num_experts_per_tok | experts_per_token, moe_intermediate_size, shared
 * experts, first_k_dense_replace, moe_layer_freq, interleave_moe_layer_step,
 * decoder_sparse_step, mlp_only_layers, intermediate_size_mlp); grouped-query attention and
 * head_dim; sliding-window layers (layer_types, sliding_window); Llama 4 chunked attention;
 * multi-head latent attention; `text_config` wrappers; tied embeddings; MTP layers; the
 * weight format from torch_dtype and quantization_config.
 *
 * Keys that cannot change the physics (token ids, RoPE, norms' epsilon, routing losses) are
 * listed in IGNORED and skipped. A key that is neither understood nor ignored and whose name
 * suggests it shapes the network is an error rather than silently dropped. An architecture
 * outside MODEL_TYPES / ARCHITECTURES (Mamba, BERT, ...) is refused: it would otherwise be
 * modelled as a decoder of the families above. Every size has a named limit (LIMITS).
 */

/**
 * The model families the engine models: decoder-only transformers with grouped-query or latent
 * attention, dense or mixture-of-experts gated FFNs, and sliding or chunked attention windows.
 */
export const MODEL_TYPES = [
  "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "deepseek_v2", "deepseek_v3", "kimi_k2",
  "glm4_moe", "gpt_oss", "llama4", "llama4_text",
] as const;

/** The Hugging Face classes of those families (config.json `architectures`). */
export const ARCHITECTURES = [
  "LlamaForCausalLM", "MistralForCausalLM", "MixtralForCausalLM", "Qwen2ForCausalLM", "Qwen2MoeForCausalLM", "Qwen3ForCausalLM",
  "Qwen3MoeForCausalLM", "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM", "Glm4MoeForCausalLM", "GptOssForCausalLM",
  "Llama4ForConditionalGeneration", "Llama4ForCausalLM",
] as const;

/** Fields of layers the engine does not model; present, they change the physics, so they are refused by name. */
const NOT_MODELLED: Readonly<Record<string, string>> = {
  state_size: "state-space (Mamba) layers", ssm_cfg: "state-space (Mamba) layers", conv_kernel: "state-space (Mamba) layers",
  time_step_rank: "state-space (Mamba) layers", mamba_d_state: "state-space (Mamba) layers", layers_block_type: "hybrid attention / state-space layers",
  attn_layer_indices: "hybrid attention / state-space layers", linear_num_value_heads: "linear-attention layers",
  linear_key_head_dim: "linear-attention layers", full_attention_interval: "hybrid linear / full attention layers",
  encoder_layers: "encoder-decoder models", decoder_layers: "encoder-decoder models", num_decoder_layers: "encoder-decoder models",
  cross_attention_layers: "cross-attention layers",
};

const UNDERSTOOD = new Set([
  "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim",
  "intermediate_size", "vocab_size", "tie_word_embeddings", "attention_bias", "qkv_bias", "mlp_bias",
  "use_qk_norm", "qk_norm", "max_position_embeddings", "torch_dtype", "dtype", "quantization_config",
  "num_local_experts", "num_experts", "n_routed_experts", "num_experts_per_tok", "experts_per_token",
  "moe_intermediate_size", "n_shared_experts", "shared_expert_intermediate_size", "first_k_dense_replace",
  "moe_layer_freq", "interleave_moe_layer_step", "decoder_sparse_step", "mlp_only_layers", "intermediate_size_mlp",
  "moe_layers", "layer_types", "sliding_window", "use_sliding_window", "max_window_layers", "attention_chunk_size",
  "no_rope_layers", "no_rope_layer_interval", "kv_lora_rank", "q_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim",
  "v_head_dim", "num_nextn_predict_layers", "text_config", "vision_config", "model_type", "architectures",
]);

/** Keys known not to change parameter counts, FLOPs or bytes moved. */
const IGNORED = new Set([
  "auto_map", "bos_token_id", "eos_token_id", "pad_token_id", "hidden_act", "initializer_range", "rms_norm_eps",
  "layer_norm_eps", "rope_theta", "rope_scaling", "rope_parameters", "partial_rotary_factor", "attention_dropout",
  "hidden_dropout", "use_cache", "transformers_version", "pretraining_tp", "router_aux_loss_coef", "output_router_logits",
  "norm_topk_prob", "routed_scaling_factor", "n_group", "topk_group", "topk_method", "scoring_func", "seq_aux",
  "aux_loss_alpha", "swiglu_limit", "initial_context_length", "router_jitter_noise", "for_llm_compressor",
  "attn_temperature_tuning", "floor_scale", "attn_scale", "boi_token_index", "eoi_token_index", "image_token_index",
  "ep_size", "_name_or_path", "name_or_path", "bos_token", "eos_token", "rope_interleave", "use_bias_in_router",
  "embedding_multiplier", "logits_scaling", "residual_multiplier", "attention_multiplier",
  "tokenizer_class", "is_encoder_decoder", "return_dict", "output_attentions", "output_hidden_states", "torchscript",
  "use_return_dict", "chunk_size_feed_forward", "problem_type", "id2label", "label2id", "bad_words_ids",
  "decoder_start_token_id", "sep_token_id", "task_specific_params", "image_token_id", "video_token_id",
  "vision_start_token_id", "vision_end_token_id", "moe_renormalize", "router_bias", "num_experts_per_token_group",
  "_attn_implementation_autoset", "_attn_implementation", "attn_implementation", "is_decoder", "tie_encoder_decoder",
  "encoder_no_repeat_ngram_size",
]);

const PHYSICS_HINT = /expert|moe|layer|head|hidden|intermediate|window|lora|rank|nextn|kv|sparse|dense|vocab|chunk|shared|embed|attn|attention|mlp|ffn|num_|state|ssm|conv|mamba|rwkv|encoder|decoder|recurren|linear|block/i;

/** The named limit of each whole-number field: sizes scale memory and the per-layer work of the parser. */
const INT_LIMITS = {
  hidden_size: LIMITS.width, intermediate_size: LIMITS.width, intermediate_size_mlp: LIMITS.width, moe_intermediate_size: LIMITS.width,
  shared_expert_intermediate_size: LIMITS.width, head_dim: LIMITS.width, kv_lora_rank: LIMITS.width, q_lora_rank: LIMITS.width,
  qk_rope_head_dim: LIMITS.width, qk_nope_head_dim: LIMITS.width, v_head_dim: LIMITS.width,
  num_hidden_layers: LIMITS.layers, num_nextn_predict_layers: LIMITS.layers, first_k_dense_replace: LIMITS.layers, moe_layer_freq: LIMITS.layers,
  interleave_moe_layer_step: LIMITS.layers, decoder_sparse_step: LIMITS.layers, max_window_layers: LIMITS.layers, no_rope_layer_interval: LIMITS.layers,
  num_attention_heads: LIMITS.heads, num_key_value_heads: LIMITS.heads,
  num_local_experts: LIMITS.experts, num_experts: LIMITS.experts, n_routed_experts: LIMITS.experts, num_experts_per_tok: LIMITS.experts,
  experts_per_token: LIMITS.experts, n_shared_experts: LIMITS.experts,
  vocab_size: LIMITS.vocab,
  max_position_embeddings: LIMITS.tokens, sliding_window: LIMITS.tokens, attention_chunk_size: LIMITS.tokens,
} as const satisfies Record<string, Limit>;

const FORMAT_BY_DTYPE: Readonly<Record<string, WeightFormat>> = { bfloat16: "bf16", float16: "bf16", float32: "bf16" };

interface Ctx {
  readonly file: string;
  readonly base: string;
  readonly issues: Issue[];
}

function p(ctx: Ctx, key: string): string {
  return ctx.base === "" ? key : `${ctx.base}.${key}`;
}

function int(ctx: Ctx, cfg: Record<string, unknown>, key: keyof typeof INT_LIMITS, opts: { required?: boolean; min?: number } = {}): number | undefined {
  const v = cfg[key];
  if (v === undefined || v === null) {
    if (opts.required) ctx.issues.push({ file: ctx.file, path: p(ctx, key), problem: "missing", expected: "a whole number" });
    return undefined;
  }
  const min = opts.min ?? 1;
  const limit = INT_LIMITS[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > limit.max) {
    const problem = typeof v !== "number" || !Number.isFinite(v) ? "wrong type" : v > limit.max ? "too large" : "out of range";
    ctx.issues.push({ file: ctx.file, path: p(ctx, key), problem, got: show(v), expected: withinLimit(limit, min) });
    return undefined;
  }
  return v;
}

function bool(ctx: Ctx, cfg: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = cfg[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean") {
    ctx.issues.push({ file: ctx.file, path: p(ctx, key), problem: "wrong type", got: show(v), expected: "true or false" });
    return fallback;
  }
  return v;
}

/** Parses `raw` (a config.json object). Problems go to `issues`; returns undefined if any. */
export function architectureFromHf(raw: Record<string, unknown>, file: string, base: string, issues: Issue[]): Architecture | undefined {
  const before = issues.length;
  let cfg = raw;
  let ctx: Ctx = { file, base, issues };
  checkKeys(ctx, raw);
  if (raw["text_config"] !== undefined) {
    if (!isPlainObject(raw["text_config"])) {
      issues.push({ file, path: p(ctx, "text_config"), problem: "wrong type", got: show(raw["text_config"]), expected: "an object" });
      return undefined;
    }
    // Multimodal wrapper (Llama 4): the language model is text_config; dtype and
    // quantization may sit at the top level. Vision weights are not counted (text decode).
    cfg = { ...raw["text_config"] };
    for (const k of ["torch_dtype", "dtype", "quantization_config", "tie_word_embeddings"]) {
      if (cfg[k] === undefined && raw[k] !== undefined) cfg[k] = raw[k];
    }
    ctx = { file, base: p(ctx, "text_config"), issues };
    checkKeys(ctx, raw["text_config"]);
  }
  checkArchitecture({ file, base, issues }, raw, isPlainObject(raw["text_config"]) ? raw["text_config"] : undefined);

  const h = int(ctx, cfg, "hidden_size", { required: true });
  const layers = int(ctx, cfg, "num_hidden_layers", { required: true });
  const heads = int(ctx, cfg, "num_attention_heads", { required: true });
  const vocab = int(ctx, cfg, "vocab_size", { required: true });
  const kvHeads = int(ctx, cfg, "num_key_value_heads") ?? heads;
  const intermediate = int(ctx, cfg, "intermediate_size");
  if (h === undefined || layers === undefined || heads === undefined || vocab === undefined || kvHeads === undefined) return undefined;
  const headDim = int(ctx, cfg, "head_dim") ?? (h % heads === 0 ? h / heads : undefined);
  if (headDim === undefined) {
    issues.push({ file, path: p(ctx, "head_dim"), problem: "missing, and hidden_size is not a multiple of num_attention_heads", got: `${h} / ${heads}`, expected: "head_dim" });
    return undefined;
  }

  // ---- attention ----
  let attention: Attention;
  const kvLora = int(ctx, cfg, "kv_lora_rank");
  if (kvLora !== undefined) {
    const rope = int(ctx, cfg, "qk_rope_head_dim", { required: true });
    const nope = int(ctx, cfg, "qk_nope_head_dim", { required: true });
    const v = int(ctx, cfg, "v_head_dim", { required: true });
    if (rope === undefined || nope === undefined || v === undefined) return undefined;
    attention = { kind: "mla", heads, qLoraRank: int(ctx, cfg, "q_lora_rank") ?? null, kvLoraRank: kvLora, qkNopeHeadDim: nope, qkRopeHeadDim: rope, vHeadDim: v };
  } else {
    if (heads % kvHeads !== 0) {
      issues.push({ file, path: p(ctx, "num_key_value_heads"), problem: "does not divide num_attention_heads", got: `${kvHeads} (heads ${heads})`, expected: "a divisor of num_attention_heads" });
      return undefined;
    }
    const modelType = String(cfg["model_type"] ?? raw["model_type"] ?? "");
    attention = {
      kind: "gqa", heads, kvHeads, headDim,
      bias: bool(ctx, cfg, "attention_bias", false) || bool(ctx, cfg, "qkv_bias", false),
      qkNorm: bool(ctx, cfg, "use_qk_norm", false) || modelType.startsWith("qwen3"),
      sinks: modelType === "gpt_oss",
    };
  }

  // ---- which layers are MoE ----
  const experts = int(ctx, cfg, "num_local_experts") ?? int(ctx, cfg, "num_experts") ?? int(ctx, cfg, "n_routed_experts");
  const active = int(ctx, cfg, "num_experts_per_tok") ?? int(ctx, cfg, "experts_per_token");
  const isMoe = experts !== undefined && experts > 1;
  if (isMoe && active === undefined) {
    issues.push({ file, path: p(ctx, "num_experts_per_tok"), problem: "missing for a mixture-of-experts model", expected: "experts per token" });
  }
  if (isMoe && active !== undefined && active > experts) {
    issues.push({ file, path: p(ctx, "num_experts_per_tok"), problem: "more active experts than experts", got: String(active), expected: `at most ${experts}` });
  }
  const moeLayer = moeLayerPredicate(ctx, cfg, layers, isMoe);

  // ---- FFN shapes ----
  const mlpBias = bool(ctx, cfg, "mlp_bias", false);
  const denseWidth = int(ctx, cfg, "intermediate_size_mlp") ?? intermediate;
  let moeFfn: Ffn | undefined;
  if (isMoe && active !== undefined) {
    const expertWidth = int(ctx, cfg, "moe_intermediate_size") ?? intermediate;
    if (expertWidth === undefined) {
      issues.push({ file, path: p(ctx, "moe_intermediate_size"), problem: "missing", expected: "the expert FFN width (moe_intermediate_size or intermediate_size)" });
    } else {
      let shared = 0;
      const nShared = int(ctx, cfg, "n_shared_experts", { min: 0 });
      const sharedWidth = int(ctx, cfg, "shared_expert_intermediate_size", { min: 0 });
      if (nShared !== undefined) shared = nShared * expertWidth;
      else if (sharedWidth !== undefined) shared = sharedWidth;
      // Llama 4: every MoE layer also has one shared expert of the expert width (HF Llama4TextMoe).
      else if (String(cfg["model_type"]) === "llama4_text") shared = expertWidth;
      moeFfn = { kind: "moe", experts: experts!, activeExperts: active, expertIntermediate: expertWidth, sharedIntermediate: shared, bias: String(cfg["model_type"] ?? raw["model_type"]) === "gpt_oss" };
    }
  }
  const needsDense = !isMoe || Array.from({ length: layers }, (_, i) => !moeLayer(i)).some(Boolean);
  if (needsDense && denseWidth === undefined) {
    issues.push({ file, path: p(ctx, "intermediate_size"), problem: "missing", expected: "the dense FFN width" });
  }

  // ---- attention windows per layer ----
  const windowOf = windowPredicate(ctx, cfg, layers);
  const mtpLayers = int(ctx, cfg, "num_nextn_predict_layers", { min: 0 }) ?? 0;
  const maxContext = int(ctx, cfg, "max_position_embeddings") ?? null;
  const nativeFormat = formatOf(ctx, cfg);
  if (issues.length > before) return undefined;

  // Build per-layer shapes, then merge equal ones into groups.
  const groups: LayerGroup[] = [];
  const denseFfn: Ffn = { kind: "dense", intermediate: denseWidth ?? 0, bias: mlpBias };
  for (let i = 0; i < layers; i++) {
    const ffn: Ffn = isMoe && moeLayer(i) ? moeFfn! : denseFfn;
    const window = windowOf(i);
    const g = groups.find((x) => x.window === window && x.ffn === ffn);
    if (g) (g as { count: number }).count++;
    else groups.push({ count: 1, window, ffn });
  }
  return { hiddenSize: h, vocabSize: vocab, tiedEmbeddings: bool(ctx, cfg, "tie_word_embeddings", false), attention, groups, layers, mtpLayers, maxContext, nativeFormat };
}

function moeLayerPredicate(ctx: Ctx, cfg: Record<string, unknown>, layers: number, isMoe: boolean): (i: number) => boolean {
  if (!isMoe) return () => false;
  const firstDense = int(ctx, cfg, "first_k_dense_replace", { min: 0 }) ?? 0;
  const freq = int(ctx, cfg, "moe_layer_freq") ?? 1;
  const interleave = int(ctx, cfg, "interleave_moe_layer_step") ?? 1;
  const sparseStep = int(ctx, cfg, "decoder_sparse_step") ?? 1;
  const mlpOnly = cfg["mlp_only_layers"];
  const explicit = cfg["moe_layers"];
  const dense = new Set<number>();
  if (mlpOnly !== undefined) {
    if (!Array.isArray(mlpOnly) || mlpOnly.some((x) => typeof x !== "number" || !Number.isInteger(x) || x < 0 || x >= layers)) {
      ctx.issues.push({ file: ctx.file, path: p(ctx, "mlp_only_layers"), problem: "wrong type", got: show(mlpOnly), expected: `a list of layer indices 0..${layers - 1}` });
    } else for (const x of mlpOnly) dense.add(x as number);
  }
  if (explicit !== undefined) {
    if (!Array.isArray(explicit) || explicit.some((x) => typeof x !== "number" || !Number.isInteger(x) || x < 0 || x >= layers)) {
      ctx.issues.push({ file: ctx.file, path: p(ctx, "moe_layers"), problem: "wrong type", got: show(explicit), expected: `a list of layer indices 0..${layers - 1}` });
      return () => false;
    }
    const set = new Set(explicit as number[]);
    return (i) => set.has(i) && !dense.has(i);
  }
  // DeepSeek: layer i is MoE when i >= first_k_dense_replace and i % moe_layer_freq == 0.
  // Llama 4 / Qwen MoE: every step-th layer counting from 1, i.e. (i + 1) % step == 0.
  return (i) => i >= firstDense && i % freq === 0 && (i + 1) % interleave === 0 && (i + 1) % sparseStep === 0 && !dense.has(i);
}

function windowPredicate(ctx: Ctx, cfg: Record<string, unknown>, layers: number): (i: number) => number | null {
  const chunk = int(ctx, cfg, "attention_chunk_size");
  if (chunk !== undefined) {
    // Llama 4: RoPE layers attend within chunks; every no_rope_layer_interval-th layer
    // (default 4 in HF Llama4TextConfig) is global.
    const noRope = cfg["no_rope_layers"];
    if (Array.isArray(noRope) && noRope.length === layers) return (i) => (noRope[i] ? chunk : null);
    const interval = int(ctx, cfg, "no_rope_layer_interval") ?? 4;
    return (i) => ((i + 1) % interval === 0 ? null : chunk);
  }
  const windowRaw = cfg["sliding_window"];
  if (windowRaw === undefined || windowRaw === null) return () => null;
  const window = int(ctx, cfg, "sliding_window");
  if (window === undefined) return () => null;
  if (cfg["use_sliding_window"] === false) return () => null;
  const types = cfg["layer_types"];
  if (types !== undefined) {
    if (!Array.isArray(types) || types.length !== layers || types.some((t) => t !== "sliding_attention" && t !== "full_attention")) {
      ctx.issues.push({ file: ctx.file, path: p(ctx, "layer_types"), problem: "not understood", got: show(types), expected: `a list of ${layers} entries, each "sliding_attention" or "full_attention"` });
      return () => null;
    }
    return (i) => (types[i] === "sliding_attention" ? window : null);
  }
  // Mistral-style: sliding_window applies to every layer. Qwen's max_window_layers: the first
  // max_window_layers layers use full attention and the layers after them the sliding window
  // (transformers Qwen2Config / Qwen3Config, which derive layer_types this way).
  const maxWindowLayers = int(ctx, cfg, "max_window_layers", { min: 0 });
  return (i) => (maxWindowLayers !== undefined && i < maxWindowLayers ? null : window);
}

function formatOf(ctx: Ctx, cfg: Record<string, unknown>): Architecture["nativeFormat"] {
  const dtype = String(cfg["torch_dtype"] ?? cfg["dtype"] ?? "bfloat16");
  // Own keys only: "__proto__" or "toString" must not find Object.prototype's members.
  const base = Object.hasOwn(FORMAT_BY_DTYPE, dtype) ? FORMAT_BY_DTYPE[dtype] : undefined;
  if (base === undefined) {
    ctx.issues.push({ file: ctx.file, path: p(ctx, "torch_dtype"), problem: "not understood", got: show(dtype), expected: "bfloat16, float16 or float32" });
  }
  const q = cfg["quantization_config"];
  if (q === undefined || q === null) return { default: base ?? "bf16", experts: base ?? "bf16" };
  if (!isPlainObject(q)) {
    ctx.issues.push({ file: ctx.file, path: p(ctx, "quantization_config"), problem: "wrong type", got: show(q), expected: "an object" });
    return { default: "bf16", experts: "bf16" };
  }
  const method = String(q["quant_method"]);
  // gpt-oss: MoE weights in mxfp4; attention, router, embeddings in bf16 (modules_to_not_convert).
  if (method === "mxfp4") return { default: base ?? "bf16", experts: "fp4" };
  if (method === "fp8" || method === "fbgemm_fp8") return { default: "fp8", experts: "fp8" };
  if (method === "compressed-tensors") {
    // The method names a file format, not a bit width: read the weights' num_bits and type
    // from its config groups (llm-compressor's schema), and refuse what is not one format.
    const formats = new Set<WeightFormat | "unknown">();
    const groups = q["config_groups"];
    if (isPlainObject(groups)) {
      for (const g of Object.values(groups)) {
        const w = isPlainObject(g) && isPlainObject(g["weights"]) ? g["weights"] : undefined;
        const bits = w?.["num_bits"];
        const type = w?.["type"];
        formats.add(bits === 8 && type === "float" ? "fp8" : bits === 8 && type === "int" ? "int8" : bits === 4 && type === "float" ? "fp4" : bits === 4 && type === "int" ? "int4" : "unknown");
      }
    }
    const only = formats.size === 1 ? [...formats][0] : undefined;
    if (only && only !== "unknown") return { default: only, experts: only };
    ctx.issues.push({ file: ctx.file, path: p(ctx, "quantization_config.config_groups"), problem: "weight format not understood", got: formats.size === 0 ? "no config_groups with weights" : [...formats].join(", "), expected: "one group format: 8- or 4-bit, float or int weights", hint: "use --precision to choose a weight format instead" });
    return { default: "bf16", experts: "bf16" };
  }
  ctx.issues.push({ file: ctx.file, path: p(ctx, "quantization_config.quant_method"), problem: "not understood", got: show(method), expected: "mxfp4 or fp8", hint: "use --precision to choose a weight format instead" });
  return { default: "bf16", experts: "bf16" };
}

const MODELLED = "wafersim models decoder-only transformers (grouped-query or latent attention, dense or mixture-of-experts FFNs, sliding or chunked windows)";

/**
 * Refuses an architecture the engine does not model: `model_type` (of the file and of a
 * text_config) and every `architectures` entry must name a modelled family, and one of them
 * must be given.
 */
function checkArchitecture(ctx: Ctx, raw: Record<string, unknown>, text: Record<string, unknown> | undefined): void {
  const at = (key: string, inner: boolean) => (inner ? p(ctx, `text_config.${key}`) : p(ctx, key));
  const types = [{ v: raw["model_type"], inner: false }, { v: text?.["model_type"], inner: true }].filter((x) => x.v !== undefined && x.v !== null);
  for (const { v, inner } of types) {
    if (!(MODEL_TYPES as readonly unknown[]).includes(v)) {
      ctx.issues.push({ file: ctx.file, path: at("model_type", inner), problem: "an architecture the engine does not model", got: show(v), expected: `one of ${MODEL_TYPES.join(", ")}`, hint: MODELLED });
    }
  }
  const archs = raw["architectures"];
  if (archs !== undefined && archs !== null) {
    if (!Array.isArray(archs) || archs.length === 0 || archs.some((a) => typeof a !== "string")) {
      ctx.issues.push({ file: ctx.file, path: at("architectures", false), problem: "wrong type", got: show(archs), expected: "a list of Hugging Face class names, e.g. [LlamaForCausalLM]" });
    } else {
      for (const a of archs) {
        if (!(ARCHITECTURES as readonly string[]).includes(a)) {
          ctx.issues.push({ file: ctx.file, path: at("architectures", false), problem: "an architecture the engine does not model", got: show(a), expected: `one of ${ARCHITECTURES.join(", ")}`, hint: MODELLED });
        }
      }
    }
  }
  if (types.length === 0 && (archs === undefined || archs === null)) {
    ctx.issues.push({ file: ctx.file, path: at("model_type", false), problem: "missing: which architecture this is", expected: `model_type, one of ${MODEL_TYPES.join(", ")}`, hint: MODELLED });
  }
}

function checkKeys(ctx: Ctx, cfg: Record<string, unknown>): void {
  for (const key of Object.keys(cfg)) {
    if (Object.hasOwn(NOT_MODELLED, key)) {
      ctx.issues.push({ file: ctx.file, path: p(ctx, key), problem: `${NOT_MODELLED[key]} are not modelled`, got: show(cfg[key]), expected: "a config without it", hint: MODELLED });
      continue;
    }
    if (UNDERSTOOD.has(key) || IGNORED.has(key)) continue;
    if (PHYSICS_HINT.test(key)) {
      ctx.issues.push({ file: ctx.file, path: p(ctx, key), problem: "field not understood", got: show(cfg[key]), expected: "a field wafersim knows", hint: "it may change the layer shapes, so it is not ignored; please report it" });
    }
  }
}
