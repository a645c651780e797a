import { inputError } from "../errors.js";
import type { Hardware } from "../hardware/types.js";
import type { Params } from "./parameters.js";
import { kvBytesPerSequence, kvReplication, type ModelProfile } from "./profile.js";
import { formatSi } from "../units/format.js";

export interface Memory {
  readonly weightBytes: number;
  readonly kvCacheBytes: number;
  /** the largest activation working set (prefill of the batch's prompts) */
  readonly activationBytes: number;
  readonly neededBytes: number;
  /** memory of all chips placed */
  readonly capacityBytes: number;
  /** of which usable for weights, KV and activations */
  readonly usableBytes: number;
  readonly fits: boolean;
}

export interface Placement {
  readonly chips: number;
  readonly tensorParallel: number;
  readonly pipelineStages: number;
  readonly memory: Memory;
}

/**
 * Weights, KV cache and activations the deployment must hold. A speculative draft (a draft
 * model or a one-layer draft head) sits beside the target with its own weights and KV cache.
 * On GPUs a tensor-parallel group of `tp` holds copies of KV heads it cannot split
 * (kvReplication).
 */
export function memoryNeeds(p: ModelProfile, batch: number, context: number, promptTokens: number, hw: Hardware, draft?: ModelProfile, tp = 1): { weightBytes: number; kvCacheBytes: number; activationBytes: number } {
  const weightBytes = p.weightBytes + (draft ? draft.weightBytes : 0);
  const kvCacheBytes = batch * (kvBytesPerSequence(p, context) * kvReplication(p, tp) + (draft ? kvBytesPerSequence(draft, context) * kvReplication(draft, tp) : 0));
  // Prefill working set of one layer: residual and normed input (2h), attention output (h) and
  // the FFN's gate and up outputs (2 x the widest FFN a token uses), in bf16. On a wafer the
  // prompt streams through the layers and activations stay in flight on the fabric.
  let widest = 0;
  for (const g of p.groups) widest = Math.max(widest, g.matmulFlops / 2 / (3 * p.hidden));
  const activationBytes = hw.kind === "gpu" ? batch * promptTokens * (3 * p.hidden + 2 * widest) * p.activationBytesPerElement : 0;
  return { weightBytes, kvCacheBytes, activationBytes };
}

/**
 * The fewest chips that hold weights, KV cache and activations, or the chips asked for.
 * Wafer: layers pipelined across wafers, weights in SRAM. GPU: tensor parallel within a node
 * (a power of two up to the NVLink domain), pipeline stages across nodes.
 */
export function place(p: ModelProfile, hw: Hardware, params: Params, batch: number, context: number, promptTokens: number, chipsAsked?: number, draft?: ModelProfile): Placement {
  const perChip = hw.memory.capacity.value;
  const usablePerChip = hw.kind === "gpu" ? perChip * params["usableMemoryFraction"]! : perChip;
  const domain = hw.interconnect.scaleUp?.devices.value ?? 1;
  let chips: number;
  let tp: number;
  let pp: number;
  let needs = memoryNeeds(p, batch, context, promptTokens, hw, draft);
  let neededBytes = needs.weightBytes + needs.kvCacheBytes + needs.activationBytes;
  const withTp = (t: number) => {
    if (t === 1) return;
    needs = memoryNeeds(p, batch, context, promptTokens, hw, draft, t);
    neededBytes = needs.weightBytes + needs.kvCacheBytes + needs.activationBytes;
  };
  if (chipsAsked !== undefined) {
    chips = chipsAsked;
    if (hw.kind === "gpu") {
      tp = Math.min(chips, domain);
      pp = Math.ceil(chips / tp);
      if (tp * pp !== chips) {
        throw inputError({ file: "--chips", path: "", problem: `GPUs beyond one node of ${domain} must come in whole nodes`, got: String(chips), expected: `at most ${domain}, or a multiple of ${domain}` });
      }
      withTp(tp);
    } else {
      tp = 1;
      pp = chips;
    }
    if (neededBytes > chips * usablePerChip) {
      throw inputError({
        file: "--chips", path: "", problem: `${chips} x ${hw.id} cannot hold the model`, got: String(chips),
        expected: `at least ${Math.ceil(neededBytes / usablePerChip)}: ${formatSi(neededBytes, "B")} needed (weights ${formatSi(needs.weightBytes, "B")}, KV cache ${formatSi(needs.kvCacheBytes, "B")}, activations ${formatSi(needs.activationBytes, "B")}), ${formatSi(chips * usablePerChip, "B")} available`,
      });
    }
  } else {
    let n = Math.max(1, Math.ceil(neededBytes / usablePerChip));
    if (hw.kind === "gpu") {
      // A wider tensor-parallel group may copy KV heads (kvReplication) and so need more
      // memory: widen until the layout holds what it needs (the copies stop at one per GPU).
      for (;;) {
        if (n <= domain) {
          tp = 1;
          while (tp < n) tp *= 2;
          tp = Math.min(tp, domain);
          pp = 1;
        } else {
          tp = domain;
          pp = Math.ceil(n / domain);
        }
        withTp(tp);
        const fit = Math.max(1, Math.ceil(neededBytes / usablePerChip));
        if (fit <= tp * pp) break;
        n = fit;
      }
      chips = tp * pp;
    } else {
      chips = n;
      tp = 1;
      pp = n;
    }
  }
  return {
    chips, tensorParallel: tp, pipelineStages: pp,
    // Fields written out: a spread here costs ~10 us per call in V8, and sweeps place per point.
    memory: {
      weightBytes: needs.weightBytes, kvCacheBytes: needs.kvCacheBytes, activationBytes: needs.activationBytes,
      neededBytes, capacityBytes: chips * perChip, usableBytes: chips * usablePerChip, fits: neededBytes <= chips * usablePerChip,
    },
  };
}
