import type { Hardware } from "../hardware/types.js";
import type { GpuParams, WaferParams } from "./parameters.js";

/**
 * Hardware, layout and fitted parameters resolved to the plain numbers one forward pass
 * needs. Built once per layout (prepare once, evaluate many), never inside a loop.
 */
export interface GpuMachine {
  readonly kind: "gpu";
  /** chips of one replica: tensorParallel x pipelineStages */
  readonly chips: number;
  readonly tensorParallel: number;
  readonly pipelineStages: number;
  /** effective HBM bytes/s of one tensor-parallel group (all its GPUs, times efficiency) */
  readonly groupBandwidth: number;
  /** effective FLOP/s of one tensor-parallel group */
  readonly groupCompute: number;
  /** what a tensor-parallel all-reduce's transfer achieves: the NVLink rate (each way) x allReduceEfficiency */
  readonly allReduceBandwidth: number;
  readonly scaleOutBandwidth: number;
  readonly allReduceLatency: number;
  readonly networkLatency: number;
  readonly stepOverhead: number;
  /** added once to a pass that prefills */
  readonly prefillOverhead: number;
}

/** How a wafer holds an MoE layer's experts (see forward.ts). */
export type ExpertPlacement = "sliced" | "per-expert";
export const EXPERT_PLACEMENTS: readonly ExpertPlacement[] = ["sliced", "per-expert"];

export interface WaferMachine {
  readonly kind: "wafer";
  /** wafers of one replica, layers pipelined across them */
  readonly chips: number;
  /** cores one layer's region occupies */
  readonly regionCores: number;
  /** a core's effective SRAM bytes/s in a decode GEMV */
  readonly coreBandwidth: number;
  /** a core's effective FLOP/s in decode and in prefill */
  readonly coreCompute: number;
  readonly corePrefillCompute: number;
  /** bytes/s of one mesh link between neighbouring cores (fabric bandwidth / (4 links x cores)) */
  readonly linkBandwidth: number;
  readonly hopLatency: number;
  /** all-reduces of a dense layer's decode (see parameters) */
  readonly collectivesPerLayer: number;
  readonly collectiveSync: number;
  readonly scaleOutBandwidth: number;
  readonly waferLinkLatency: number;
  readonly stepOverhead: number;
  /** added once to a pass that prefills */
  readonly prefillOverhead: number;
  /** sequences whose tokens can be in flight at once: one per layer region of the pipeline */
  readonly pipelineSlots: number;
  readonly expertPlacement: ExpertPlacement;
  /**
   * A benchmark that times the decoder layers alone (WaferLLM loops one layer on the wafer and
   * scales it: no embedding, output head, sampling or host step), not a served model.
   */
  readonly layersOnly: boolean;
}

export type Machine = GpuMachine | WaferMachine;

/**
 * `peak`: the dense FLOP/s the weights' format runs at; `lowPrecision`: whether that is an 8-
 * or 4-bit peak, whose fraction achieved is its own parameter.
 */
export function gpuMachine(hw: Hardware, p: GpuParams, tp: number, pp: number, peak: number, lowPrecision = false): GpuMachine {
  const up = hw.interconnect.scaleUp;
  return {
    kind: "gpu", chips: tp * pp, tensorParallel: tp, pipelineStages: pp,
    groupBandwidth: tp * hw.memory.bandwidth.value * p.memoryEfficiency,
    groupCompute: tp * peak * (lowPrecision ? p.lowPrecisionEfficiency : p.computeEfficiency),
    allReduceBandwidth: (up ? up.bandwidth.value : hw.interconnect.scaleOut.bandwidth.value) * p.allReduceEfficiency,
    scaleOutBandwidth: hw.interconnect.scaleOut.bandwidth.value,
    allReduceLatency: p.allReduceLatency, networkLatency: p.networkLatency, stepOverhead: p.stepOverhead, prefillOverhead: p.prefillOverhead,
  };
}

/**
 * The wafer's cores and the SRAM each holds: one source of truth, the core count and the
 * total SRAM of the description (SRAM per core follows from them).
 */
export function waferCores(hw: Hardware): number {
  return hw.mesh!.cores.value;
}

export function sramPerCore(hw: Hardware): number {
  return hw.memory.capacity.value / waferCores(hw);
}

export function waferMachine(hw: Hardware, p: WaferParams, wafers: number, regionCores: number, slots: number, peak: number, expertPlacement: ExpertPlacement, layersOnly = false): WaferMachine {
  const cores = waferCores(hw);
  return {
    kind: "wafer", chips: wafers, regionCores,
    coreBandwidth: (hw.memory.bandwidth.value / cores) * p.sramEfficiency,
    // A GEMV's fetches and multiply-adds come from one loop: one efficiency for both.
    coreCompute: (peak / cores) * p.sramEfficiency,
    corePrefillCompute: (peak / cores) * p.prefillEfficiency,
    // A 2D mesh: each core drives four links (the fabric figure counts them all).
    linkBandwidth: hw.mesh!.fabricBandwidth.value / (4 * cores),
    hopLatency: p.hopLatency, collectivesPerLayer: p.collectivesPerLayer, collectiveSync: p.collectiveSync,
    scaleOutBandwidth: hw.interconnect.scaleOut.bandwidth.value,
    waferLinkLatency: p.waferLinkLatency, stepOverhead: p.stepOverhead, prefillOverhead: p.prefillOverhead,
    pipelineSlots: slots, expertPlacement, layersOnly,
  };
}
