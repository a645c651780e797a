import { InputError, inputError, type Issue } from "../errors.js";
import { loadHardware } from "../hardware/load.js";
import type { Hardware } from "../hardware/types.js";
import type { WeightFormat } from "../model/arch.js";
import { loadModel } from "../model/load.js";
import type { Model } from "../model/types.js";
import { formatSi } from "../units/format.js";
import { EXPERT_PLACEMENTS, sramPerCore, waferCores, type ExpertPlacement } from "./machine.js";
import { paramValues, parameterSetFor, type Params, type ParameterSet } from "./parameters.js";
import { computePeak, profileModel, type ModelProfile } from "./profile.js";
import type { PredictOptions } from "./types.js";

/** Everything that does not change across workloads: resolved once, evaluated many times. */
export interface Prepared {
  readonly model: Model;
  readonly hardware: Hardware;
  readonly profile: ModelProfile;
  readonly parameterSet: ParameterSet;
  readonly params: Params;
  readonly peak: number;
  /** the peak is an 8- or 4-bit one (its achieved fraction is a parameter of its own on GPUs) */
  readonly lowPrecisionPeak: boolean;
  readonly precision: WeightFormat | "native";
  readonly chipsAsked?: number;
  readonly tensorParallel?: number;
  readonly pipelineStages?: number;
  readonly coresPerLayer?: number;
  readonly memoryFraction?: number;
  /** how a wafer holds MoE experts: sliced over a layer's region (default) or one per sub-region */
  readonly expertPlacement: ExpertPlacement;
  readonly draft?: { readonly model: Model; readonly profile: ModelProfile };
}

export function prepare(opts: PredictOptions): Prepared {
  const model = loadModel(opts.model);
  const hardware = loadHardware(opts.hardware);
  return prepareFrom(model, hardware, opts);
}

/**
 * The same deployment prepared again with some options changed (the chips, the KV fraction) or
 * another draft: its other choices kept, and its parameters as they are (what-ifs included),
 * not the software set's stored ones.
 */
export function reprepare(pr: Prepared, change: Omit<PredictOptions, "model" | "hardware"> = {}, draftModel: Model | undefined = pr.draft?.model): Prepared {
  const kept: Omit<PredictOptions, "model" | "hardware"> = {
    software: pr.parameterSet.software.id,
    ...(pr.precision !== "native" ? { precision: pr.precision } : {}),
    ...(pr.chipsAsked !== undefined ? { chips: pr.chipsAsked } : {}),
    ...(pr.tensorParallel !== undefined ? { tensorParallel: pr.tensorParallel } : {}),
    ...(pr.pipelineStages !== undefined ? { pipelineStages: pr.pipelineStages } : {}),
    ...(pr.coresPerLayer !== undefined ? { coresPerLayer: pr.coresPerLayer } : {}),
    ...(pr.memoryFraction !== undefined ? { memoryFraction: pr.memoryFraction } : {}),
    expertPlacement: pr.expertPlacement,
  };
  return { ...prepareFrom(pr.model, pr.hardware, { ...kept, ...change }, draftModel), params: pr.params, parameterSet: pr.parameterSet };
}

export function prepareFrom(model: Model, hardware: Hardware, opts: Omit<PredictOptions, "model" | "hardware">, draftModel?: Model): Prepared {
  const profile = profileModel(model, opts.precision);
  const parameterSet = parameterSetFor(hardware, opts.software);
  const draftM = draftModel ?? (opts.draftModel ? loadModel(opts.draftModel) : undefined);
  checkLayoutOptions(hardware, profile, opts);
  return {
    model, hardware, profile, parameterSet, params: paramValues(parameterSet),
    ...peakOf(hardware, profile),
    precision: opts.precision ?? "native",
    expertPlacement: opts.expertPlacement ?? "sliced",
    ...(opts.chips !== undefined ? { chipsAsked: opts.chips } : {}),
    ...(opts.tensorParallel !== undefined && hardware.kind === "gpu" ? { tensorParallel: opts.tensorParallel } : {}),
    ...(opts.pipelineStages !== undefined ? { pipelineStages: opts.pipelineStages } : {}),
    ...(opts.memoryFraction !== undefined ? { memoryFraction: opts.memoryFraction } : {}),
    ...(opts.coresPerLayer !== undefined ? { coresPerLayer: checkCoresPerLayer(hardware, opts.coresPerLayer, profile) } : {}),
    ...(draftM ? { draft: { model: draftM, profile: profileModel(draftM, opts.precision) } } : {}),
  };
}

function peakOf(hw: Hardware, p: ModelProfile): { peak: number; lowPrecisionPeak: boolean } {
  const c = computePeak(hw, p.format.default);
  return { peak: c.flopPerSecond, lowPrecisionPeak: c.precision !== "bf16" };
}

/**
 * Layout options a runtime could not honour are bad input: a tensor-parallel width that does not
 * split the attention heads or leaves the NVLink domain, stages or fractions out of range.
 */
function checkLayoutOptions(hw: Hardware, p: ModelProfile, opts: Omit<PredictOptions, "model" | "hardware">): void {
  const issues: Issue[] = [];
  const tp = opts.tensorParallel;
  if (tp !== undefined) {
    const domain = hw.interconnect.scaleUp?.devices.value ?? 1;
    if (hw.kind !== "gpu") {
      if (tp !== 1) issues.push({ file: "--tensor-parallel", path: "", problem: `a wafer has no tensor parallelism (${hw.id})`, got: String(tp), expected: "1, or GPU hardware" });
    }
    else if (!Number.isInteger(tp) || tp < 1 || tp > domain || p.heads % tp !== 0) issues.push({ file: "--tensor-parallel", path: "", problem: `a tensor-parallel group must split ${p.model.id}'s ${p.heads} attention heads evenly within one NVLink domain of ${domain}`, got: String(tp), expected: `one of ${divisorsUpTo(p.heads, domain).join(", ")}` });
    if (opts.chips !== undefined && Number.isInteger(tp) && tp > opts.chips) issues.push({ file: "--tensor-parallel", path: "", problem: "wider than the chips asked for", got: String(tp), expected: `at most --chips ${opts.chips}` });
  }
  const pp = opts.pipelineStages;
  if (pp !== undefined && (!Number.isInteger(pp) || pp < 1 || pp > p.layers)) issues.push({ file: "--pipeline-stages", path: "", problem: "not a whole number of stages the layers can be split into", got: String(pp), expected: `1 to ${p.layers}` });
  const f = opts.memoryFraction;
  if (f !== undefined && (hw.kind !== "gpu" || !(f > 0 && f <= 1))) issues.push({ file: "--memory-fraction", path: "", problem: hw.kind !== "gpu" ? "a wafer keeps weights and KV cache in SRAM: there is no engine memory fraction" : "not a fraction above 0 and at most 1", got: String(f), expected: "a fraction such as 0.9, on GPU hardware" });
  const e = opts.expertPlacement;
  if (e !== undefined && !EXPERT_PLACEMENTS.includes(e)) issues.push({ file: "--expert-placement", path: "", problem: "unknown expert placement", got: JSON.stringify(e), expected: `one of ${EXPERT_PLACEMENTS.join(", ")}` });
  if (issues.length > 0) throw new InputError(issues);
}

const divisorsUpTo = (n: number, max: number): number[] => {
  const out: number[] = [];
  for (let t = 1; t <= max; t *= 2) if (n % t === 0) out.push(t);
  return out;
};

/**
 * A layer region must be a whole number of one wafer's cores whose SRAM holds the layer's
 * weights (the largest layer; its KV cache comes on top and is checked by placement).
 */
function checkCoresPerLayer(hw: Hardware, cores: number, profile: ModelProfile): number {
  if (hw.kind !== "wafer") throw inputError({ file: "--cores-per-layer", path: "", problem: `only a wafer places layers on core regions, and ${hw.id} is a GPU`, got: String(cores), expected: "wafer hardware: GPUs have no cores per layer" });
  const max = waferCores(hw);
  if (!Number.isInteger(cores) || cores < 1 || cores > max) throw inputError({ file: "--cores-per-layer", path: "", problem: "not a whole number of cores on one wafer", got: String(cores), expected: `a whole number from 1 to ${max} (${hw.id})` });
  const sram = sramPerCore(hw);
  const layer = Math.max(...profile.groups.map((g) => g.storedBytes));
  if (layer > cores * sram) {
    throw inputError({ file: "--cores-per-layer", path: "", problem: `${cores} cores hold ${formatSi(cores * sram, "B")} of SRAM, less than one layer's weights (${formatSi(layer, "B")})`, got: String(cores), expected: `at least ${Math.ceil(layer / sram)} cores for ${profile.model.id}` });
  }
  return cores;
}

/**
 * A request longer than the model's context window (max_position_embeddings) cannot run; the
 * engine would otherwise extrapolate KV caches and attention the model was never built for.
 */
export function contextLimitIssue(pr: Prepared, promptTokens: number, outputTokens: number): Issue | undefined {
  const limit = pr.model.arch.maxContext;
  if (limit === null || promptTokens + outputTokens <= limit) return undefined;
  return {
    file: pr.model.file, path: "max_position_embeddings", problem: "prompt and output exceed the model's context window",
    got: `${promptTokens} + ${outputTokens} = ${promptTokens + outputTokens} tokens`, expected: `at most ${limit} tokens`,
  };
}
