import type { WeightFormat } from "../model/arch.js";
import type { ExpertPlacement } from "./machine.js";

/** Where the time of one step goes. Parts are seconds and add up to the step's total. */
export interface Breakdown {
  /** arithmetic where it is the larger side of the roofline */
  readonly compute: number;
  /** moving weights and KV cache where that is the larger side */
  readonly memory: number;
  /** on-wafer mesh hops of reductions and broadcasts */
  readonly mesh: number;
  /** fixed synchronisation per collective (wafer) or all-reduce start-up (GPU) */
  readonly sync: number;
  /** bytes between chips: NVLink all-reduce transfer, wafer-to-wafer and node-to-node hand-off */
  readonly interconnect: number;
  /** per-step software overhead */
  readonly overhead: number;
  /** draft model or draft head (speculative decoding) */
  readonly draft: number;
}

export type Bound = "compute" | "memory" | "latency" | "interconnect";

/**
 * Something a user should know about a result (contract: `warnings` in JSON, one line each on
 * stderr). `code` is stable for scripts; `message` is for people.
 */
export interface Warning {
  readonly code: string;
  readonly message: string;
}

/**
 * The error band of one metric (contract: `uncertainty["<dotted metric path>"]`): the range the
 * true value is expected in, from the leave-one-out errors of the references behind the
 * parameter set used, widened where the prediction extrapolates; `assumed` names parameters
 * no reference identifies.
 */
export interface Band {
  readonly low: number;
  readonly high: number;
  readonly basis: string;
  readonly assumed: readonly string[];
}

export interface Workload {
  readonly batch: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

export interface Speculation {
  readonly draftTokens: number;
  readonly acceptance: number;
  /**
   * Tree speculation (EAGLE-2/3 as SGLang runs it): the tokens the verify pass checks (its
   * --speculative-num-draft-tokens; a chain checks draftTokens + 1, the default) and the
   * candidates each draft step extends (its top-k; a chain extends 1, the default).
   */
  readonly verifyTokens?: number;
  readonly draftWidth?: number;
}

export interface PredictOptions {
  readonly model: string;
  readonly hardware: string;
  readonly chips?: number;
  readonly precision?: WeightFormat;
  readonly batch?: number;
  readonly promptTokens?: number;
  readonly outputTokens?: number;
  readonly speculation?: Speculation;
  /** a model id or file used as the draft model; default: a one-layer draft head */
  readonly draftModel?: string;
  /** software stack whose fitted parameters to use; default: the hardware's default */
  readonly software?: string;
  /**
   * Wafer only: the cores each layer's region occupies, instead of the wafer's cores shared
   * evenly by the layers. WaferLLM benchmarks one layer on a P x P core grid and scales it to
   * the model (He et al., OSDI 2025), so its figures are given per grid.
   */
  readonly coresPerLayer?: number;
  /** GPU: pin the tensor-parallel width (default: the layout that serves fastest on the chips) */
  readonly tensorParallel?: number;
  /** GPU: pin the pipeline stages */
  readonly pipelineStages?: number;
  /** GPU: fraction of the memory left after weights and runtime reserve given to the KV cache (default: the software set's) */
  readonly memoryFraction?: number;
  /** wafer: how MoE experts are placed (default "sliced": every core holds a slice of every expert) */
  readonly expertPlacement?: ExpertPlacement;
  /** decode with the speculation the software set declares (its draft, length and fitted acceptance) */
  readonly stackSpeculation?: boolean;
}

export const ZERO_BREAKDOWN: Breakdown = { compute: 0, memory: 0, mesh: 0, sync: 0, interconnect: 0, overhead: 0, draft: 0 };

export function total(b: Breakdown): number {
  return b.compute + b.memory + b.mesh + b.sync + b.interconnect + b.overhead + b.draft;
}

export function scaleBreakdown(b: Breakdown, f: number): Breakdown {
  return { compute: b.compute * f, memory: b.memory * f, mesh: b.mesh * f, sync: b.sync * f, interconnect: b.interconnect * f, overhead: b.overhead * f, draft: b.draft * f };
}

/** What bounds a step: the largest of compute, memory, latency (mesh + sync + overhead + draft), interconnect. */
export function boundOf(b: Breakdown): Bound {
  // The largest part; on a tie the first in this order. No arrays: a sweep calls this per point.
  const latency = b.mesh + b.sync + b.overhead + b.draft;
  let bound: Bound = "compute";
  let most = b.compute;
  if (b.memory > most) { bound = "memory"; most = b.memory; }
  if (latency > most) { bound = "latency"; most = latency; }
  if (b.interconnect > most) bound = "interconnect";
  return bound;
}
