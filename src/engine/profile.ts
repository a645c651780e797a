import type { ComputePrecision, Hardware } from "../hardware/types.js";
import { layerParams, type Architecture, type WeightFormat } from "../model/arch.js";
import type { Model } from "../model/types.js";
import { formats } from "./precision.js";

/**
 * Everything the phases need about a model at one weight format, computed once: bytes and
 * FLOPs per layer group, KV bytes per token, and the output head. Predictions then run on
 * plain numbers (the sweep path evaluates millions of points from one profile).
 */
export interface GroupProfile {
  readonly count: number;
  /** null: attends the whole context */
  readonly window: number | null;
  /** weights every step reads: attention, norms, dense FFN or shared experts, router */
  readonly fixedBytes: number;
  /** one routed expert's weights (0 for a dense layer) */
  readonly expertBytes: number;
  /** matmul FLOPs of one token through one routed expert (0 for a dense layer) */
  readonly expertFlops: number;
  readonly experts: number;
  readonly activeExperts: number;
  /** every stored weight byte of one layer */
  readonly storedBytes: number;
  /** matmul FLOPs for one token through one layer: 2 per active weight */
  readonly matmulFlops: number;
  /** attention FLOPs per token per context position (QK^T and AV) */
  readonly attnFlopsPerPosition: number;
  /** KV-cache bytes one token adds to one layer */
  readonly kvBytesPerToken: number;
  /** all-reduces a layer runs on a wafer beyond a dense layer's (an MoE layer: router top-k and combine) */
  readonly extraCollectives: number;
}

export interface ModelProfile {
  readonly model: Model;
  readonly format: { readonly default: WeightFormat; readonly experts: WeightFormat };
  readonly groups: readonly GroupProfile[];
  readonly layers: number;
  readonly hidden: number;
  /** output head: bytes and FLOPs per token */
  readonly headBytes: number;
  readonly headFlops: number;
  /** all stored weights: layers, embedding table, head */
  readonly weightBytes: number;
  /** bytes per activation element moved between devices (bf16) */
  readonly activationBytesPerElement: number;
  readonly kvBytesPerElement: number;
  /**
   * How many ways tensor parallelism can split the KV cache: the KV heads of grouped-query
   * attention; 1 for multi-head latent attention, whose one latent every head reads.
   */
  readonly kvShards: number;
  /** attention (query) heads: a tensor-parallel group must split them evenly */
  readonly heads: number;
}

/**
 * Copies of each KV byte a tensor-parallel group of `tp` GPUs holds and reads: a rank needs
 * the KV heads its query heads use, so beyond the KV heads (or with MLA's single latent) ranks
 * hold copies. Attention split over heads (TP attention), as TensorRT-LLM and vLLM do by
 * default; data-parallel attention, which avoids the copies, is not modelled.
 */
export function kvReplication(p: ModelProfile, tp: number): number {
  return tp / Math.min(tp, p.kvShards);
}

/** Bytes per activation element: activations travel in bf16 (2 bytes) in every stack modelled. */
export const ACTIVATION_BYTES = 2;

function attentionShape(arch: Architecture): { flopsPerPosition: number; kvElements: number; kvShards: number } {
  const a = arch.attention;
  if (a.kind === "gqa") {
    // QK^T: 2 H d FLOPs per position; AV: 2 H d.
    return { flopsPerPosition: 4 * a.heads * a.headDim, kvElements: 2 * a.kvHeads * a.headDim, kvShards: a.kvHeads };
  }
  // MLA with the up-projections absorbed (DeepSeek-V2 paper, section 2.1.2): scores over the
  // latent plus the RoPE key, values over the latent.
  return { flopsPerPosition: 2 * a.heads * (a.kvLoraRank + a.qkRopeHeadDim) + 2 * a.heads * a.kvLoraRank, kvElements: a.kvLoraRank + a.qkRopeHeadDim, kvShards: 1 };
}

export function profileModel(model: Model, precision?: WeightFormat): ModelProfile {
  const arch = model.arch;
  const f = formats();
  const format = precision ? { default: precision, experts: precision } : arch.nativeFormat;
  const bytesDefault = f[format.default].bitsPerWeight.value / 8;
  const bytesExperts = f[format.experts].bitsPerWeight.value / 8;
  const kvBytesPerElement = f[format.default].kvBytesPerElement.value;
  const attn = attentionShape(arch);
  const groups = arch.groups.map((g): GroupProfile => {
    const p = layerParams(arch, g);
    const nonExpert = p.attention + p.norms + (p.ffnStored - p.ffnExperts);
    const moe = g.ffn.kind === "moe" ? g.ffn : undefined;
    const experts = moe ? moe.experts : 0;
    const perExpert = moe ? p.ffnExperts / moe.experts : 0;
    const expertBytes = perExpert * bytesExperts;
    // On a wafer an MoE layer runs two all-reduces more than a dense one: the router's top-k and
    // the combine of the experts' outputs (the dense count is the stack's collectivesPerLayer).
    const extraCollectives = moe ? 2 : 0;
    return {
      count: g.count,
      window: g.window,
      fixedBytes: nonExpert * bytesDefault,
      expertBytes,
      expertFlops: 2 * perExpert,
      experts,
      activeExperts: moe ? moe.activeExperts : 0,
      storedBytes: nonExpert * bytesDefault + p.ffnExperts * bytesExperts,
      matmulFlops: 2 * (p.attention + p.ffnActive),
      attnFlopsPerPosition: attn.flopsPerPosition,
      kvBytesPerToken: attn.kvElements * kvBytesPerElement,
      extraCollectives,
    };
  });
  const headParams = arch.vocabSize * arch.hiddenSize;
  const headBytes = headParams * bytesDefault;
  // The embedding table is always stored; a tied output head reuses it.
  const embeddingBytes = headParams * bytesDefault;
  const storedHeadBytes = arch.tiedEmbeddings ? 0 : headBytes;
  const finalNormBytes = arch.hiddenSize * bytesDefault;
  const weightBytes = groups.reduce((s, g) => s + g.count * g.storedBytes, 0) + embeddingBytes + storedHeadBytes + finalNormBytes;
  return {
    model, format, groups, layers: arch.layers, hidden: arch.hiddenSize,
    headBytes, headFlops: 2 * headParams, weightBytes,
    activationBytesPerElement: ACTIVATION_BYTES, kvBytesPerElement, kvShards: attn.kvShards, heads: arch.attention.heads,
  };
}

/** KV-cache bytes of one sequence at `context` tokens (sliding-window layers capped). */
export function kvBytesPerSequence(p: ModelProfile, context: number): number {
  let s = 0;
  for (const g of p.groups) s += g.count * g.kvBytesPerToken * (g.window === null ? context : Math.min(context, g.window));
  return s;
}

/** The compute peak a weight format runs at on this hardware (first it has of the list). */
export function computePeak(hw: Hardware, format: WeightFormat): { precision: ComputePrecision; flopPerSecond: number } {
  for (const c of formats()[format].compute) {
    const s = hw.compute[c];
    if (s) return { precision: c, flopPerSecond: s.value };
  }
  return { precision: "bf16", flopPerSecond: hw.compute.bf16.value };
}

/**
 * A draft head (EAGLE, Li et al. 2024, arXiv 2401.15077): one decoder layer of the target's
 * first layer shape that reuses the target's embedding and output head. Its own weights are
 * that one layer.
 */
export function draftHeadProfile(p: ModelProfile): ModelProfile {
  const g0 = p.groups[0]!;
  return { ...p, groups: [{ ...g0, count: 1 }], layers: 1, weightBytes: g0.storedBytes };
}
