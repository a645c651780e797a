import { inputError } from "../errors.js";
import { forward, newAcc, resetAcc, type Segment } from "./phases/forward.js";
import { layoutLabel } from "./placement.js";
import { planOf } from "./predict.js";
import { reprepare, type Prepared } from "./prepare.js";
import { kvBytesPerSequence, kvReplication } from "./profile.js";
import type { Machine } from "./machine.js";

export type { Segment } from "./phases/forward.js";

/**
 * One replica of a deployment as the serving simulator sees it: the layout the engine places
 * for one user at the model's longest context, the KV pool it leaves, and the time of any
 * forward pass (a serving iteration's exact mix of decodes and prefill chunks).
 */
export interface Deployment {
  readonly hardwareKind: "gpu" | "wafer";
  /** chips of ONE replica */
  readonly chips: number;
  readonly tensorParallel: number;
  readonly pipelineStages: number;
  /** wafer: sequences in flight at once in the layer pipeline; GPU: the pipeline stages */
  readonly pipelineSlots: number;
  /** KV bytes one token of one sequence occupies in the replica (tensor-parallel copies included) */
  readonly kvBytesPerToken: number;
  /** memory the KV cache may use after weights, runtime reserve and the engine's memory fraction */
  readonly kvPoolBytes: number;
  readonly layout: string;
  readonly prepared: Prepared;
  /** for passSeconds */
  readonly machine: Machine;
}

/**
 * Places one replica. `chips`: the replica's chips (default: the fewest that hold the model and
 * one user at `context` tokens, default the model's window or 8,192). Bad input when it does not fit.
 */
export function deploy(pr: Prepared, opts: { chips?: number; memoryFraction?: number; context?: number } = {}): Deployment {
  // Re-placed for the chips or fraction asked, keeping the deployment's choices, parameters (what-ifs included) and draft.
  const p = opts.chips !== undefined || opts.memoryFraction !== undefined
    ? reprepare(pr, { ...(opts.chips !== undefined ? { chips: opts.chips } : {}), ...(opts.memoryFraction !== undefined ? { memoryFraction: opts.memoryFraction } : {}) })
    : pr;
  const context = opts.context ?? Math.min(pr.model.arch.maxContext ?? 8192, 8192);
  const plan = planOf(p);
  const pt = plan.evaluate(1, Math.max(1, context - 1), 1);
  if (pt.why !== "") throw inputError({ file: "--chips", path: "", problem: pt.why, ...(opts.chips !== undefined ? { got: String(opts.chips) } : {}), expected: "more chips per replica" });
  const L = pt.layout;
  const perReplica = L.tensorParallel * L.pipelineStages;
  const gpu = p.hardware.kind === "gpu";
  const kvBytesPerToken = kvBytesPerSequence(p.profile, 1) * (gpu ? kvReplication(p.profile, L.tensorParallel) : 1);
  // A replica's KV pool: the chips asked for may hold several replicas; the pool is one's share.
  const kvPoolBytes = pt.memory.kvPoolBytes / L.replicas;
  return {
    hardwareKind: p.hardware.kind, chips: gpu ? perReplica : L.pipelineStages, tensorParallel: L.tensorParallel, pipelineStages: L.pipelineStages,
    pipelineSlots: L.pipelineSlots, kvBytesPerToken, kvPoolBytes,
    // a copy: the plan reuses its machines for its next points
    layout: layoutLabel(p.hardware.kind, { ...L, replicas: 1, idleChips: 0 }), prepared: p, machine: { ...pt.machine },
  };
}

const scratch = newAcc();
/** decode passes repeat (the same users at the same whole-token context): remembered per deployment, bounded */
const decodeCache = new WeakMap<Deployment, Map<number, number>>();
const DECODE_CACHE_LIMIT = 1 << 20;

/** One forward pass (a serving iteration) of exactly this mix, per-step overhead included. */
export function passSeconds(d: Deployment, segments: readonly Segment[]): number {
  if (segments.length === 0) return 0;
  const s = segments[0]!;
  if (segments.length === 1 && s.newTokens === 1 && s.logitTokens === 1 && Number.isInteger(s.cachedTokens) && Number.isInteger(s.users) && s.users < 1 << 20 && s.cachedTokens < 1 << 30) {
    let cache = decodeCache.get(d);
    if (!cache) { cache = new Map(); decodeCache.set(d, cache); }
    const key = s.users * 2 ** 30 + s.cachedTokens;
    let t = cache.get(key);
    if (t === undefined) {
      t = forward(d.prepared.profile, d.machine, segments, resetAcc(scratch));
      if (cache.size >= DECODE_CACHE_LIMIT) cache.clear();
      cache.set(key, t);
    }
    return t;
  }
  return forward(d.prepared.profile, d.machine, segments, resetAcc(scratch));
}
