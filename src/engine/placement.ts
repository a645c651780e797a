import type { Hardware } from "../hardware/types.js";
import type { GpuParams, Params } from "./parameters.js";
import { sramPerCore, waferCores } from "./machine.js";
import { kvBytesPerSequence, kvReplication, type ModelProfile } from "./profile.js";

/**
 * Where a deployment's weights and KV cache live, and how its chips are laid out: as a runtime
 * would place them.
 *
 * GPU: a tensor-parallel group of `tensorParallel` GPUs (a power of two within one NVLink
 * domain that splits the attention heads evenly) x `pipelineStages` stages across nodes, times
 * `replicas` that serve separate users. Memory is counted as serving engines count it: the
 * weights, a runtime reserve, then a fraction of what is left for the KV cache.
 *
 * Wafer: layers pipelined over `pipelineStages` wafers, each layer in a region of
 * `regionCores` cores, times `replicas` whole wafer sets. Weights and KV cache sit in SRAM.
 * Spare chips hold replicas or stay idle: they never slow one user down.
 */
export interface Layout {
  /** chips that serve: replicas x chips per replica (idle chips not counted) */
  readonly chips: number;
  readonly replicas: number;
  readonly tensorParallel: number;
  /** GPU: pipeline stages; wafer: wafers per replica */
  readonly pipelineStages: number;
  /** wafer: cores one layer's region occupies (0 on GPUs) */
  readonly regionCores: number;
  /** wafer: layer regions per replica, each a pipeline slot (a layer benchmark on a chosen region: 1) */
  readonly pipelineSlots: number;
  /** users each replica serves */
  readonly usersPerReplica: number;
  /** chips asked for that no replica uses */
  readonly idleChips: number;
}

export interface Memory {
  /** weights of every replica (draft included) */
  readonly weightBytes: number;
  readonly kvCacheBytes: number;
  /** GPU: the runtime reserve of every GPU (context, buffers, activation workspace); wafer: 0 */
  readonly activationBytes: number;
  readonly neededBytes: number;
  /** memory of all chips placed */
  readonly capacityBytes: number;
  /** of which usable: weights and reserve, plus the KV pool the engine keeps */
  readonly usableBytes: number;
  /** the KV cache's share of memory (GPU: the engine's memory fraction of what weights and reserve leave) */
  readonly kvPoolBytes: number;
  readonly fits: boolean;
}

/** What a speculative draft keeps beside the target: its profile and whether it is a one-layer head. */
export interface Resident {
  readonly profile: ModelProfile;
  readonly head: boolean;
}

/** Weights a deployment holds: the target's and its draft's. */
export function weightsOf(p: ModelProfile, draft: Resident | undefined): number {
  return p.weightBytes + (draft ? draft.profile.weightBytes : 0);
}

/** KV bytes of one user at the context (all layers, target and draft; before tensor-parallel copies). */
export function kvPerUserOf(p: ModelProfile, context: number, draft: Resident | undefined): number {
  return kvBytesPerSequence(p, context) + (draft ? kvBytesPerSequence(draft.profile, context) : 0);
}

/** KV bytes of one user on a tensor-parallel group of tp, copies of unsplittable KV heads included. */
function kvPerUserOnGroup(p: ModelProfile, context: number, draft: Resident | undefined, tp: number): number {
  return kvBytesPerSequence(p, context) * kvReplication(p, tp) + (draft ? kvBytesPerSequence(draft.profile, context) * kvReplication(draft.profile, tp) : 0);
}

export type MutableMemory = { -readonly [K in keyof Memory]: Memory[K] };

export function newMemory(): MutableMemory {
  return { weightBytes: 0, kvCacheBytes: 0, activationBytes: 0, neededBytes: 0, capacityBytes: 0, usableBytes: 0, kvPoolBytes: 0, fits: false };
}

/** GPU memory of one layout, as the serving engine counts it, over all its replicas (into `out`). */
export function gpuMemory(p: ModelProfile, hw: Hardware, params: GpuParams, context: number, draft: Resident | undefined, tp: number, pp: number, replicas: number, usersPerReplica: number, memoryFraction = params.memoryFraction, out: MutableMemory = newMemory()): Memory {
  const perChip = hw.memory.capacity.value;
  const n = tp * pp;
  const weights = weightsOf(p, draft) / n;
  const reserve = params.runtimeReserve;
  const free = Math.max(0, perChip - weights - reserve);
  const pool = memoryFraction * free;
  const kv = (usersPerReplica * kvPerUserOnGroup(p, context, draft, tp)) / n;
  const chips = n * replicas;
  out.weightBytes = weights * chips;
  out.kvCacheBytes = kv * chips;
  out.activationBytes = reserve * chips;
  out.neededBytes = (weights + reserve + kv) * chips;
  out.capacityBytes = perChip * chips;
  out.usableBytes = (weights + reserve + pool) * chips;
  out.kvPoolBytes = pool * chips;
  out.fits = weights + reserve < perChip && kv <= pool;
  return out;
}

/** Wafer memory of `wafers` per replica: weights and KV cache in SRAM (into `out`). */
export function waferMemory(p: ModelProfile, hw: Hardware, context: number, draft: Resident | undefined, wafers: number, replicas: number, usersPerReplica: number, out: MutableMemory = newMemory()): Memory {
  const weights = weightsOf(p, draft);
  const kv = usersPerReplica * kvPerUserOf(p, context, draft);
  const cap = wafers * hw.memory.capacity.value;
  out.weightBytes = weights * replicas;
  out.kvCacheBytes = kv * replicas;
  out.activationBytes = 0;
  out.neededBytes = (weights + kv) * replicas;
  out.capacityBytes = cap * replicas;
  out.usableBytes = cap * replicas;
  out.kvPoolBytes = Math.max(0, cap - weights) * replicas;
  out.fits = weights + kv <= cap;
  return out;
}

/** Tensor-parallel widths a GPU group can use: powers of two within the NVLink domain that split the heads. */
export function tensorWidths(p: ModelProfile, hw: Hardware): number[] {
  const domain = hw.interconnect.scaleUp?.devices.value ?? 1;
  const out: number[] = [];
  for (let t = 1; t <= domain; t *= 2) if (p.heads % t === 0) out.push(t);
  return out;
}

/**
 * Layer regions per wafer replica: one per layer, one for the output head, and the draft's
 * (a draft head is one layer; a draft model its layers and head).
 */
export function regionsOf(p: ModelProfile, draft: Resident | undefined): number {
  return p.layers + 1 + (draft ? (draft.head ? 1 : draft.profile.layers + 1) : 0);
}

/**
 * The fewest cores a layer region may have: its SRAM must hold the largest layer's weights and
 * its users' KV cache.
 */
export function minRegionCores(p: ModelProfile, hw: Hardware, context: number, usersPerReplica: number): number {
  let most = 0;
  for (const g of p.groups) most = Math.max(most, g.storedBytes + usersPerReplica * g.kvBytesPerToken * (g.window === null ? context : Math.min(context, g.window)));
  return Math.max(1, Math.ceil(most / sramPerCore(hw)));
}

/** The largest region each layer can have on `wafers` wafers. */
export function maxRegionCores(p: ModelProfile, hw: Hardware, draft: Resident | undefined, wafers: number): number {
  return Math.floor((waferCores(hw) * wafers) / regionsOf(p, draft));
}

export function layoutLabel(kind: "gpu" | "wafer", l: Layout): string {
  const rep = l.replicas > 1 ? ` x ${l.replicas} replicas` : "";
  const idle = l.idleChips > 0 ? ` (${l.idleChips} idle)` : "";
  if (kind === "gpu") return `TP${l.tensorParallel} x PP${l.pipelineStages}${rep}${idle}`;
  return `${l.pipelineStages} wafer${l.pipelineStages > 1 ? "s" : ""}, ${l.regionCores.toLocaleString("en-US")} cores per layer${rep}${idle}`;
}

export function isGpuParams(p: Params): p is GpuParams {
  return p.kind === "gpu";
}
