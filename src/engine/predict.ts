import { InputError, inputError, type Issue } from "../errors.js";
import { loadHardware } from "../hardware/load.js";
import type { Hardware } from "../hardware/types.js";
import type { WeightFormat } from "../model/arch.js";
import { loadModel } from "../model/load.js";
import type { Model } from "../model/types.js";
import { gpuMachine, waferMachine, type Machine } from "./machine.js";
import { paramValues, parameterSetFor, type Params, type ParameterSet } from "./parameters.js";
import { composePhases, newComposition } from "./compose.js";
import { forward, newAcc, type Acc } from "./phases/forward.js";
import { place, type Memory } from "./placement.js";
import { formats } from "./precision.js";
import { formatSi } from "../units/format.js";
import { computePeak, draftHeadProfile, kvBytesPerSequence, kvReplication, profileModel, type ModelProfile } from "./profile.js";
import { boundOf, type Band, type Bound, type Breakdown, type PredictOptions, type Speculation, type Warning, type Workload } from "./types.js";

export interface Prediction {
  readonly model: { readonly id: string; readonly name: string; readonly totalParams: number; readonly activeParams: number; readonly assumption?: string };
  readonly hardware: {
    readonly id: string; readonly name: string; readonly kind: "wafer" | "gpu"; readonly chips: number; readonly tensorParallel: number; readonly pipelineStages: number;
    /** the core region each layer occupies, when asked for (a per-layer benchmark scaled to the model) */
    readonly coresPerLayer?: number;
  };
  readonly software: { readonly id: string; readonly name: string; readonly parameters: Readonly<Record<string, { readonly value: number; readonly text: string; readonly source: string }>>; readonly provenance: ParameterSet["provenance"] };
  /** the weight format of most of the weight bytes (contract: bf16 | fp8 | int8 | fp4 | int4) */
  readonly precision: WeightFormat;
  /** "native": the model's published format; "asked": --precision */
  readonly precisionSource: "native" | "asked";
  readonly weightFormat: { readonly default: WeightFormat; readonly experts: WeightFormat };
  readonly workload: Workload & { readonly decodeContextTokens: number };
  readonly speculation: (Speculation & { readonly tokensPerStep: number; readonly draft: string }) | null;
  readonly decode: {
    readonly tokensPerSecondPerUser: number;
    readonly timePerOutputTokenSeconds: number;
    readonly aggregateTokensPerSecond: number;
    readonly bound: Bound;
    /** the physical ceiling for one user: all chips' memory bandwidth over the bytes a token reads, and peak compute */
    readonly rooflineTokensPerSecondPerUser: number;
  };
  readonly prefill: { readonly seconds: number; readonly bound: Bound };
  /** model side: prefill of the prompt, which yields the first token (serving-stack parts come with --stack) */
  readonly ttftSeconds: number;
  /** time to first token plus the remaining output tokens */
  readonly requestSeconds: number;
  readonly memory: Memory;
  readonly breakdown: { readonly decode: Breakdown; readonly prefill: Breakdown };
  /** what a user should know about this result (speculation slower than none, unsupported formats, ...) */
  readonly warnings: readonly Warning[];
  /** error band per headline metric, keyed by its dotted path ("decode.tokensPerSecondPerUser", "ttftSeconds") */
  readonly uncertainty: Readonly<Record<string, Band>>;
}

/** Everything that does not change across workloads: resolved once, evaluated many times. */
export interface Prepared {
  readonly model: Model;
  readonly hardware: Hardware;
  readonly profile: ModelProfile;
  readonly parameterSet: ParameterSet;
  readonly params: Params;
  readonly peak: number;
  readonly precision: WeightFormat | "native";
  readonly chipsAsked?: number;
  readonly coresPerLayer?: number;
  readonly draft?: { readonly model: Model; readonly profile: ModelProfile };
}

export function prepare(opts: PredictOptions): Prepared {
  const model = loadModel(opts.model);
  const hardware = loadHardware(opts.hardware);
  return prepareFrom(model, hardware, opts);
}

export function prepareFrom(model: Model, hardware: Hardware, opts: Omit<PredictOptions, "model" | "hardware">, draftModel?: Model): Prepared {
  const profile = profileModel(model, opts.precision);
  const parameterSet = parameterSetFor(hardware, opts.software);
  const draftM = draftModel ?? (opts.draftModel ? loadModel(opts.draftModel) : undefined);
  return {
    model, hardware, profile, parameterSet, params: paramValues(parameterSet),
    peak: computePeak(hardware, profile.format.default).flopPerSecond,
    precision: opts.precision ?? "native",
    ...(opts.chips !== undefined ? { chipsAsked: opts.chips } : {}),
    ...(opts.coresPerLayer !== undefined ? { coresPerLayer: checkCoresPerLayer(hardware, opts.coresPerLayer, profile) } : {}),
    ...(draftM ? { draft: { model: draftM, profile: profileModel(draftM, opts.precision) } } : {}),
  };
}

/** The format holding most weight bytes: gpt-oss's mxfp4 experts outweigh its bf16 attention. */
function dominantFormat(model: Model, f: { readonly default: WeightFormat; readonly experts: WeightFormat }): WeightFormat {
  if (f.default === f.experts) return f.default;
  const bits = formats();
  const expertBytes = model.params.expertParams * bits[f.experts].bitsPerWeight.value;
  const otherBytes = (model.params.totalParams - model.params.expertParams) * bits[f.default].bitsPerWeight.value;
  return expertBytes >= otherBytes ? f.experts : f.default;
}

/** What a speculative draft keeps in memory beside the target: its model, or a one-layer head. */
export function draftResident(pr: Prepared, speculating: boolean): ModelProfile | undefined {
  if (!speculating) return undefined;
  return pr.draft ? pr.draft.profile : draftHeadProfile(pr.profile);
}

/** Chips that work on one token at the same time: the tensor-parallel group, or one wafer. */
export function parallelChipsOf(hw: Hardware, tensorParallel: number): number {
  return hw.kind === "gpu" ? tensorParallel : 1;
}

export function machineFor(pr: Prepared, profile: ModelProfile, chips: number, tp: number, pp: number): Machine {
  return pr.hardware.kind === "gpu"
    ? gpuMachine(pr.hardware, pr.params, tp, pp, pr.peak)
    : waferMachine(pr.hardware, pr.params, chips, profile.layers, pr.peak, pr.coresPerLayer);
}

/**
 * A layer region must be a whole number of one wafer's cores whose SRAM holds the layer's
 * weights (the largest layer; its KV cache comes on top and is checked by placement).
 */
function checkCoresPerLayer(hw: Hardware, cores: number, profile: ModelProfile): number {
  if (hw.kind !== "wafer") throw inputError({ file: "--cores-per-layer", path: "", problem: `only a wafer places layers on core regions, and ${hw.id} is a GPU`, got: String(cores), expected: "wafer hardware: GPUs have no cores per layer" });
  const max = hw.mesh!.cores.value;
  if (!Number.isInteger(cores) || cores < 1 || cores > max) throw inputError({ file: "--cores-per-layer", path: "", problem: "not a whole number of cores on one wafer", got: String(cores), expected: `a whole number from 1 to ${max} (${hw.id})` });
  const sram = hw.mesh!.sramPerCore.value;
  const layer = Math.max(...profile.groups.map((g) => g.storedBytes));
  if (layer > cores * sram) {
    throw inputError({ file: "--cores-per-layer", path: "", problem: `${cores} cores hold ${formatSi(cores * sram, "B")} of SRAM, less than one layer's weights (${formatSi(layer, "B")})`, got: String(cores), expected: `at least ${Math.ceil(layer / sram)} cores for ${profile.model.id}` });
  }
  return cores;
}

function snapshot(a: Acc): Breakdown {
  return { compute: a.compute, memory: a.memory, mesh: a.mesh, sync: a.sync, interconnect: a.interconnect, overhead: a.overhead, draft: a.draft };
}

function checkWorkload(w: Workload, s: Speculation | undefined): void {
  const whole = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw inputError({ file: `--${name}`, path: "", problem: "not a whole number in range", got: String(v), expected: `a whole number >= ${min}` });
  };
  whole(w.batch, "batch", 1);
  whole(w.promptTokens, "prompt-tokens", 1);
  whole(w.outputTokens, "output-tokens", 1);
  if (s) {
    whole(s.draftTokens, "spec-draft-tokens", 1);
    if (!(s.acceptance >= 0 && s.acceptance <= 1)) throw inputError({ file: "--spec-acceptance", path: "", problem: "out of range", got: String(s.acceptance), expected: "a probability from 0 to 1" });
  }
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

export function evaluate(pr: Prepared, w: Workload, spec?: Speculation): Prediction {
  checkWorkload(w, spec);
  const tooLong = contextLimitIssue(pr, w.promptTokens, w.outputTokens);
  if (tooLong) throw new InputError([tooLong]);
  const { profile, hardware: hw } = pr;
  const pl = place(profile, hw, pr.params, w.batch, w.promptTokens + w.outputTokens, w.promptTokens, pr.chipsAsked, draftResident(pr, spec !== undefined));
  const machine = machineFor(pr, profile, pl.chips, pl.tensorParallel, pl.pipelineStages);
  const draft = spec && pr.draft ? { profile: pr.draft.profile, machine: machineFor(pr, pr.draft.profile, pl.chips, pl.tensorParallel, pl.pipelineStages) } : undefined;
  const c = newComposition();
  const ph = composePhases(c, profile, machine, draft, w.batch, w.promptTokens, w.outputTokens, spec?.draftTokens ?? 0, spec?.acceptance ?? 0);
  const decodeBreakdown = snapshot(c.decode);
  const perToken = Object.fromEntries(Object.entries(decodeBreakdown).map(([k, v]) => [k, v / ph.tokensPerStep])) as unknown as Breakdown;
  // roofline: bytes one step reads over all chips' bandwidth, and FLOPs over peak
  const roof = rooflineTokensPerSecond(pr, parallelChipsOf(hw, pl.tensorParallel), ph.decodeContext) * ph.tokensPerStep;
  return {
    model: { id: pr.model.id, name: pr.model.name, totalParams: pr.model.params.totalParams, activeParams: pr.model.params.activeParams, ...(pr.model.assumption ? { assumption: pr.model.assumption.what } : {}) },
    hardware: { id: hw.id, name: hw.name, kind: hw.kind, chips: pl.chips, tensorParallel: pl.tensorParallel, pipelineStages: pl.pipelineStages, ...(pr.coresPerLayer !== undefined ? { coresPerLayer: pr.coresPerLayer } : {}) },
    software: { id: pr.parameterSet.software.id, name: pr.parameterSet.software.name, parameters: pr.parameterSet.values, provenance: pr.parameterSet.provenance },
    precision: dominantFormat(pr.model, profile.format),
    precisionSource: pr.precision === "native" ? "native" : "asked",
    weightFormat: profile.format,
    workload: { ...w, decodeContextTokens: ph.decodeContext },
    speculation: spec ? { ...spec, tokensPerStep: ph.tokensPerStep, draft: pr.draft ? pr.draft.model.id : "one-layer draft head" } : null,
    decode: {
      tokensPerSecondPerUser: 1 / ph.tpot,
      timePerOutputTokenSeconds: ph.tpot,
      aggregateTokensPerSecond: w.batch / ph.tpot,
      bound: boundOf(decodeBreakdown),
      rooflineTokensPerSecondPerUser: roof,
    },
    prefill: { seconds: ph.prefillSeconds, bound: boundOf(c.prefill) },
    ttftSeconds: ph.prefillSeconds,
    requestSeconds: ph.prefillSeconds + (w.outputTokens - 1) * ph.tpot,
    memory: pl.memory,
    breakdown: { decode: perToken, prefill: snapshot(c.prefill) },
    warnings: [],
    uncertainty: {},
  };
}

/**
 * Prefill of `newTokens` per user after `cachedTokens` already in the KV cache (a prompt-cache
 * hit): the new tokens attend to the cached ones and read their KV, but the cached tokens are
 * not computed again. Returns seconds. Agent sessions use it for each turn's uncached suffix.
 */
export function prefillAfterCache(pr: Prepared, batch: number, newTokens: number, cachedTokens: number): number {
  const tooLong = contextLimitIssue(pr, cachedTokens + newTokens, 1);
  if (tooLong) throw new InputError([tooLong]);
  const pl = place(pr.profile, pr.hardware, pr.params, batch, cachedTokens + newTokens + 1, newTokens, pr.chipsAsked);
  const machine = machineFor(pr, pr.profile, pl.chips, pl.tensorParallel, pl.pipelineStages);
  return forward(pr.profile, machine, { users: batch, tokensPerUser: newTokens, priorContext: cachedTokens, headTokensPerUser: 1, phase: "prefill" }, newAcc());
}

/**
 * The physical ceiling for one user at batch 1: a token must read the weights it uses and its
 * KV cache and do its FLOPs, at the full bandwidth and peak of the chips that work on it at the
 * same time. Pipeline stages (GPU nodes, wafers) take a token one after another, so only a
 * tensor-parallel group counts: `parallelChips` (see parallelChipsOf).
 */
export function rooflineTokensPerSecond(pr: Prepared, parallelChips: number, context: number): number {
  const p = pr.profile;
  let bytes = p.headBytes;
  let flops = p.headFlops;
  for (const g of p.groups) {
    bytes += g.count * (g.fixedBytes + g.activeExperts * g.expertBytes);
    flops += g.count * (g.matmulFlops + g.attnFlopsPerPosition * (g.window === null ? context : Math.min(context, g.window)));
  }
  bytes += kvBytesPerSequence(p, context) * (pr.hardware.kind === "gpu" ? kvReplication(p, parallelChips) : 1);
  return Math.min((parallelChips * pr.hardware.memory.bandwidth.value) / bytes, (parallelChips * pr.peak) / flops);
}

/** One prediction from ids or files: the library's main entry point. */
export function predict(opts: PredictOptions): Prediction {
  const pr = prepare(opts);
  return evaluate(pr, { batch: opts.batch ?? 1, promptTokens: opts.promptTokens ?? 1024, outputTokens: opts.outputTokens ?? 256 }, opts.speculation);
}
