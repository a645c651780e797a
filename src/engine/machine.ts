import type { Hardware } from "../hardware/types.js";
import type { Params } from "./parameters.js";

/**
 * Hardware, placement and fitted parameters resolved to the plain numbers one forward pass
 * needs. Built once per prediction (or once per sweep), never inside a loop.
 */
export interface GpuMachine {
  readonly kind: "gpu";
  readonly chips: number;
  readonly tensorParallel: number;
  readonly pipelineStages: number;
  /** effective HBM bytes/s of one tensor-parallel group (all its GPUs, times efficiency) */
  readonly groupBandwidth: number;
  /** effective FLOP/s of one tensor-parallel group */
  readonly groupCompute: number;
  readonly nvlinkBandwidth: number;
  readonly scaleOutBandwidth: number;
  readonly allReduceLatency: number;
  readonly networkLatency: number;
  readonly stepOverhead: number;
}

export interface WaferMachine {
  readonly kind: "wafer";
  readonly chips: number;
  /** cores a layer occupies: the wafer's cores shared by the layers (and head) placed on it */
  readonly regionCores: number;
  /** a core's effective SRAM bytes/s in a decode GEMV */
  readonly coreBandwidth: number;
  /** a core's effective FLOP/s in decode and in prefill */
  readonly coreCompute: number;
  readonly corePrefillCompute: number;
  readonly hopLatency: number;
  readonly collectiveSync: number;
  readonly scaleOutBandwidth: number;
  readonly waferLinkLatency: number;
  readonly stepOverhead: number;
  /** layers in the pipeline across all wafers: users whose tokens can be in flight at once */
  readonly pipelineSlots: number;
}

export type Machine = GpuMachine | WaferMachine;

export function gpuMachine(hw: Hardware, p: Params, tp: number, pp: number, peak: number): GpuMachine {
  const up = hw.interconnect.scaleUp;
  return {
    kind: "gpu", chips: tp * pp, tensorParallel: tp, pipelineStages: pp,
    groupBandwidth: tp * hw.memory.bandwidth.value * p["memoryEfficiency"]!,
    groupCompute: tp * peak * p["computeEfficiency"]!,
    nvlinkBandwidth: up ? up.bandwidth.value : hw.interconnect.scaleOut.bandwidth.value,
    scaleOutBandwidth: hw.interconnect.scaleOut.bandwidth.value,
    allReduceLatency: p["allReduceLatency"]!, networkLatency: p["networkLatency"]!, stepOverhead: p["stepOverhead"]!,
  };
}

export function waferMachine(hw: Hardware, p: Params, chips: number, layers: number, peak: number, coresPerLayer?: number): WaferMachine {
  const cores = hw.mesh!.cores.value;
  // Layers (and the output head, counted as one more) share each wafer's cores evenly, unless
  // the region a layer occupies is given (a benchmark of one layer on a chosen core grid).
  const regionCores = coresPerLayer ?? Math.min(cores, (cores * chips) / (layers + 1));
  return {
    kind: "wafer", chips, regionCores,
    coreBandwidth: (hw.memory.bandwidth.value / cores) * p["sramEfficiency"]!,
    coreCompute: (peak / cores) * p["computeEfficiency"]!,
    corePrefillCompute: (peak / cores) * p["prefillEfficiency"]!,
    hopLatency: p["hopLatency"]!, collectiveSync: p["collectiveSync"]!,
    scaleOutBandwidth: hw.interconnect.scaleOut.bandwidth.value,
    waferLinkLatency: p["waferLinkLatency"]!, stepOverhead: p["stepOverhead"]!,
    // A per-layer benchmark scaled to the model has no pipeline between layers: one slot.
    pipelineSlots: coresPerLayer === undefined ? layers : 1,
  };
}
