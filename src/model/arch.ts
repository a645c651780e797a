/**
 * A language model's architecture, normalised from a Hugging Face config.json (or our YAML,
 * which embeds one), and the parameter counts that follow from it.
 *
 * Conventions (stated once, used everywhere):
 * - Linear layers are gated (SwiGLU-style): an FFN of width I has 3 * h * I weights.
 * - `activeParams` counts the weights one token multiplies: every layer's attention, dense FFN,
 *   shared experts and `activeExperts` routed experts, norms, and the output head; it leaves
 *   out the input embedding table, which is a lookup, not a matmul (gpt-oss-120b's 5.1 B is
 *   published on this basis).
 * - `totalParams` is the main model: next-token-prediction (MTP) layers are `mtpParams`.
 */
export type WeightFormat = "bf16" | "fp8" | "int8" | "fp4" | "int4";

export interface GqaAttention {
  readonly kind: "gqa";
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** biases on q, k, v and o projections */
  readonly bias: boolean;
  readonly qkNorm: boolean;
  /** per-head attention sinks (gpt-oss) */
  readonly sinks: boolean;
}

/** Multi-head latent attention (DeepSeek-V3, Kimi K2). The KV cache holds the latent. */
export interface MlaAttention {
  readonly kind: "mla";
  readonly heads: number;
  readonly qLoraRank: number | null;
  readonly kvLoraRank: number;
  readonly qkNopeHeadDim: number;
  readonly qkRopeHeadDim: number;
  readonly vHeadDim: number;
}

export type Attention = GqaAttention | MlaAttention;

export interface DenseFfn {
  readonly kind: "dense";
  readonly intermediate: number;
  readonly bias: boolean;
}

export interface MoeFfn {
  readonly kind: "moe";
  readonly experts: number;
  readonly activeExperts: number;
  readonly expertIntermediate: number;
  /** total width of the always-on shared expert(s); 0 when there are none */
  readonly sharedIntermediate: number;
  /** biases inside experts (gpt-oss) and on the router */
  readonly bias: boolean;
}

export type Ffn = DenseFfn | MoeFfn;

/** Layers that share one shape. `window` caps the context a layer attends to (null: all). */
export interface LayerGroup {
  readonly count: number;
  readonly window: number | null;
  readonly ffn: Ffn;
}

export interface Architecture {
  readonly hiddenSize: number;
  readonly vocabSize: number;
  readonly tiedEmbeddings: boolean;
  readonly attention: Attention;
  readonly groups: readonly LayerGroup[];
  readonly layers: number;
  readonly mtpLayers: number;
  readonly maxContext: number | null;
  /** the weight format the model is published in: all linear weights, and routed experts */
  readonly nativeFormat: { readonly default: WeightFormat; readonly experts: WeightFormat };
}

export interface LayerParams {
  readonly attention: number;
  /** every FFN weight stored (all experts) */
  readonly ffnStored: number;
  /** routed-expert weights among ffnStored */
  readonly ffnExperts: number;
  /** FFN weights one token multiplies */
  readonly ffnActive: number;
  readonly norms: number;
}

export function attentionParams(a: Attention, h: number): number {
  if (a.kind === "gqa") {
    const q = a.heads * a.headDim;
    const kv = a.kvHeads * a.headDim;
    const weights = h * q + 2 * h * kv + q * h;
    const bias = a.bias ? q + 2 * kv + h : 0;
    const qkNorm = a.qkNorm ? 2 * a.headDim : 0;
    const sinks = a.sinks ? a.heads : 0;
    return weights + bias + qkNorm + sinks;
  }
  const qkHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
  const q = a.qLoraRank === null ? h * a.heads * qkHead : h * a.qLoraRank + a.qLoraRank + a.qLoraRank * a.heads * qkHead;
  const kvDown = h * (a.kvLoraRank + a.qkRopeHeadDim) + a.kvLoraRank;
  const kvUp = a.kvLoraRank * a.heads * (a.qkNopeHeadDim + a.vHeadDim);
  const o = a.heads * a.vHeadDim * h;
  return q + kvDown + kvUp + o;
}

export function layerParams(arch: Architecture, g: LayerGroup): LayerParams {
  const h = arch.hiddenSize;
  const attention = attentionParams(arch.attention, h);
  const norms = 2 * h;
  const f = g.ffn;
  if (f.kind === "dense") {
    const w = 3 * h * f.intermediate + (f.bias ? 2 * f.intermediate + h : 0);
    return { attention, ffnStored: w, ffnExperts: 0, ffnActive: w, norms };
  }
  const perExpert = 3 * h * f.expertIntermediate + (f.bias ? 2 * f.expertIntermediate + h : 0);
  const shared = 3 * h * f.sharedIntermediate;
  const router = h * f.experts + (f.bias ? f.experts : 0);
  const experts = f.experts * perExpert;
  return {
    attention,
    ffnStored: experts + shared + router,
    ffnExperts: experts,
    ffnActive: f.activeExperts * perExpert + shared + router,
    norms,
  };
}

export interface ParamCounts {
  readonly totalParams: number;
  readonly activeParams: number;
  readonly embeddingParams: number;
  /** output head (0 when tied to the embedding) */
  readonly headParams: number;
  /** routed-expert weights (stored), for mixed formats such as mxfp4 experts */
  readonly expertParams: number;
  readonly mtpParams: number;
}

export function countParams(arch: Architecture): ParamCounts {
  const h = arch.hiddenSize;
  let total = 0;
  let active = 0;
  let expertParams = 0;
  for (const g of arch.groups) {
    const p = layerParams(arch, g);
    total += g.count * (p.attention + p.ffnStored + p.norms);
    active += g.count * (p.attention + p.ffnActive + p.norms);
    expertParams += g.count * p.ffnExperts;
  }
  const embeddingParams = arch.vocabSize * h;
  const headParams = arch.tiedEmbeddings ? 0 : arch.vocabSize * h;
  const finalNorm = h;
  total += embeddingParams + headParams + finalNorm;
  // The output head is a matmul for every token, whether or not it is tied.
  active += arch.vocabSize * h + finalNorm;
  // An MTP layer: one more decoder layer shaped like the last, plus the projection of
  // [embedding; hidden] (2h -> h) and its two norms (DeepSeek-V3 report, section 2.2).
  const last = arch.groups[arch.groups.length - 1];
  let mtpParams = 0;
  if (arch.mtpLayers > 0 && last) {
    const p = layerParams(arch, last);
    mtpParams = arch.mtpLayers * (p.attention + p.ffnStored + p.norms + 2 * h * h + 2 * h);
  }
  return { totalParams: total, activeParams: active, embeddingParams, headParams, expertParams, mtpParams };
}
