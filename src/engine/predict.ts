import { InputError, inputError } from "../errors.js";
import type { WeightFormat } from "../model/arch.js";
import type { Model } from "../model/types.js";
import { loadModel } from "../model/load.js";
import type { ExpertPlacement } from "./machine.js";
import { defOf, getParam, parameterSets, withParams, type ParameterSet, type ParameterValue, type ParamName } from "./parameters.js";
import type { Acc } from "./phases/forward.js";
import { layoutLabel, type Memory } from "./placement.js";
import { Plan, type Point } from "./plan.js";
import { formats } from "./precision.js";
import { contextLimitIssue, prepare, prepareFrom, reprepare, type Prepared } from "./prepare.js";
import { computePeak } from "./profile.js";
import { bestDraftTokens } from "./speculation.js";
import { bandOf, spreadFor } from "./bands.js";
import { boundOf, scaleBreakdown, type Band, type Bound, type Breakdown, type PredictOptions, type Speculation, type Warning, type Workload } from "./types.js";

export { prepare, prepareFrom, contextLimitIssue, type Prepared };

export interface Prediction {
  readonly model: { readonly id: string; readonly name: string; readonly totalParams: number; readonly activeParams: number; readonly assumption?: string };
  readonly hardware: {
    readonly id: string; readonly name: string; readonly kind: "wafer" | "gpu";
    /** chips that serve (replicas included; idle chips asked for are not) */
    readonly chips: number;
    readonly tensorParallel: number; readonly pipelineStages: number;
    /** the core region each layer occupies, when asked for (a per-layer benchmark scaled to the model) */
    readonly coresPerLayer?: number;
  };
  /** how the chips are used: the layout a runtime would pick for them */
  readonly placement: {
    readonly layout: string;
    readonly replicas: number;
    readonly usersPerReplica: number;
    readonly idleChips: number;
    /** wafer: cores per layer region */
    readonly regionCores?: number;
    /** wafer, MoE: how the experts sit on a layer's region */
    readonly expertPlacement?: ExpertPlacement;
  };
  readonly software: { readonly id: string; readonly name: string; readonly parameters: Readonly<Partial<Record<ParamName, ParameterValue>>>; readonly provenance: ParameterSet["provenance"] };
  /** the weight format of most of the weight bytes (contract: bf16 | fp8 | int8 | fp4 | int4) */
  readonly precision: WeightFormat;
  /** "native": the model's published format; "asked": --precision */
  readonly precisionSource: "native" | "asked";
  readonly weightFormat: { readonly default: WeightFormat; readonly experts: WeightFormat };
  readonly workload: Workload & { readonly decodeContextTokens: number };
  readonly speculation: (Speculation & { readonly tokensPerStep: number; readonly draft: string; readonly plainTokensPerSecondPerUser: number }) | null;
  readonly decode: {
    readonly tokensPerSecondPerUser: number;
    readonly timePerOutputTokenSeconds: number;
    readonly aggregateTokensPerSecond: number;
    readonly bound: Bound;
    /** the physical ceiling per user at this batch: bandwidth over the bytes a step reads (weights and every user's KV), and peak compute */
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

const plans = new WeakMap<Prepared, Plan>();

/** The prepared plan of a deployment, built once and reused (the one evaluation path). */
export function planOf(pr: Prepared): Plan {
  let p = plans.get(pr);
  if (!p) {
    p = new Plan(pr);
    plans.set(pr, p);
  }
  return p;
}

/** The format holding most weight bytes: gpt-oss's mxfp4 experts outweigh its bf16 attention. */
function dominantFormat(model: Model, f: { readonly default: WeightFormat; readonly experts: WeightFormat }): WeightFormat {
  if (f.default === f.experts) return f.default;
  const bits = formats();
  const expertBytes = model.params.expertParams * bits[f.experts].bitsPerWeight.value;
  const otherBytes = (model.params.totalParams - model.params.expertParams) * bits[f.default].bitsPerWeight.value;
  return expertBytes >= otherBytes ? f.experts : f.default;
}

function snapshot(a: Acc): Breakdown {
  return { compute: a.compute, memory: a.memory, mesh: a.mesh, sync: a.sync, interconnect: a.interconnect, overhead: a.overhead, draft: a.draft };
}

export function checkWorkload(w: Workload, s: Speculation | undefined): void {
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

/** The speculation a software set declares, with its fitted acceptance. */
export function stackSpeculationOf(pr: Prepared, w: Workload): Speculation | undefined {
  const s = pr.parameterSet.speculation;
  const a = getParam(pr.params, "speculationAcceptance");
  if (!s || a === undefined) {
    throw inputError({ file: "--stack-speculation", path: "", problem: `the software set ${pr.parameterSet.id} declares no speculative decoding`, expected: "a set with a `speculation:` block, or --spec-draft-tokens and --spec-acceptance" });
  }
  const k = s.draftTokens === "best" ? bestDraftTokens(planOf(pr), w.batch, w.promptTokens, w.outputTokens, a) : s.draftTokens;
  return k > 0 ? { draftTokens: k, acceptance: a } : undefined;
}

/** A Prepared whose draft is the one the software set declares (a model, or the target's draft head). */
export function withStackDraft(pr: Prepared): Prepared {
  const s = pr.parameterSet.speculation;
  if (!s || s.draft === "head" || pr.draft) return pr;
  return reprepare(pr, {}, loadModel(s.draft));
}

/** Throws the point's reason as bad input naming what to change. */
function refuse(pr: Prepared, pt: Point, w: Workload): never {
  const tooLong = contextLimitIssue(pr, w.promptTokens, w.outputTokens);
  if (tooLong) throw new InputError([tooLong]);
  const expected = pt.fewestChips !== undefined ? `at least ${pt.fewestChips} chips for this batch and context` : "more chips, a smaller batch or context, or a narrower weight format";
  throw inputError({ file: pr.chipsAsked !== undefined ? "--chips" : "--model", path: "", problem: pt.why, ...(pr.chipsAsked !== undefined ? { got: String(pr.chipsAsked) } : {}), expected });
}

/**
 * The fitted parameters no reference of the set identifies that this result depends on: each
 * is moved to both ends of its physical range, and kept when a headline figure moves by more
 * than 1%. Returns, per parameter, the decode time per token and the prefill at either end.
 */
interface Assumed { readonly name: ParamName; readonly tpot: readonly [number, number]; readonly prefill: readonly [number, number] }

function assumedOf(pr: Prepared, w: Workload, spec: Speculation | undefined, pt: Point): Assumed[] {
  const out: Assumed[] = [];
  for (const name of pr.parameterSet.provenance.unidentified ?? []) {
    const def = defOf(pr.hardware.kind, name);
    if (!def || getParam(pr.params, def.name) === undefined) continue;
    const at = def.bounds.map((b) => {
      const q = new Plan({ ...pr, params: withParams(pr.params, { [def.name]: b }) }).evaluate(w.batch, w.promptTokens, w.outputTokens, spec);
      return q.why === "" ? { tpot: q.tpot, prefill: q.prefillSeconds } : { tpot: pt.tpot, prefill: pt.prefillSeconds };
    });
    const moves = at.some((a) => Math.abs(a.tpot / pt.tpot - 1) > 0.01 || Math.abs(a.prefill / pt.prefillSeconds - 1) > 0.01);
    if (moves) out.push({ name: def.name, tpot: [at[0]!.tpot, at[1]!.tpot], prefill: [at[0]!.prefill, at[1]!.prefill] });
  }
  return out;
}

/** Error bands of the headline figures (the method: engine/bands.ts). */
function uncertaintyOf(pr: Prepared, w: Workload, pt: Point, assumed: readonly Assumed[]): Record<string, Band> {
  const where = { params: pr.model.params.totalParams, batch: w.batch, context: w.promptTokens + w.outputTokens, chips: pt.layout.chips };
  const dec = spreadFor(parameterSets(), pr.parameterSet, "decode");
  const pre = spreadFor(parameterSets(), pr.parameterSet, "prefill");
  const out: Record<string, Band> = {};
  const lo = (xs: readonly number[]) => Math.min(...xs);
  const hi = (xs: readonly number[]) => Math.max(...xs);
  // each metric names only the assumed parameters that move it by more than 1% over their range
  const moves = (xs: readonly number[], v: number) => xs.some((x) => Math.abs(x / v - 1) > 0.01);
  const tpotAssumed = assumed.filter((a) => moves(a.tpot, pt.tpot)).map((a) => ({ name: a.name, low: lo(a.tpot), high: hi(a.tpot) }));
  const preAssumed = assumed.filter((a) => moves(a.prefill, pt.prefillSeconds)).map((a) => ({ name: a.name, low: lo(a.prefill), high: hi(a.prefill) }));
  if (dec) {
    const t = bandOf(pt.tpot, where, dec, tpotAssumed);
    out["decode.timePerOutputTokenSeconds"] = t;
    out["decode.tokensPerSecondPerUser"] = { ...t, low: 1 / t.high, high: 1 / t.low };
    // the aggregate moves with the time per token: its band scales the same way
    out["decode.aggregateTokensPerSecond"] = { ...t, low: (pt.aggregate * pt.tpot) / t.high, high: (pt.aggregate * pt.tpot) / t.low };
  }
  if (pre) {
    const b = bandOf(pt.prefillSeconds, where, pre, preAssumed);
    out["prefill.seconds"] = b;
    out["ttftSeconds"] = b;
  }
  const t = out["decode.timePerOutputTokenSeconds"];
  const b = out["prefill.seconds"];
  if (t && b) {
    out["requestSeconds"] = {
      low: b.low + (w.outputTokens - 1) * t.low, high: b.high + (w.outputTokens - 1) * t.high,
      basis: "the prefill and time-per-token bands added (taken as fully correlated)", assumed: [...new Set([...t.assumed, ...b.assumed])],
    };
  }
  return out;
}

/** Warnings the engine knows of a result (contract codes: stable for scripts). */
function warningsOf(pr: Prepared, pt: Point, spec: Speculation | undefined, assumed: readonly Assumed[]): Warning[] {
  const out: Warning[] = [];
  if (spec && pt.tpotPlain < pt.tpot) {
    out.push({ code: "speculation-slower", message: `speculation is slower than none here: ${(1 / pt.tpot).toFixed(0)} against ${(1 / pt.tpotPlain).toFixed(0)} tok/s per user without it (draft cost ${((pt.decode.draft / pt.tokensPerStep) * 1e6).toFixed(1)} us per token; acceptance ${spec.acceptance}, ${spec.draftTokens} draft tokens)` });
  }
  const fmt = pr.profile.format.default;
  const peak = computePeak(pr.hardware, fmt);
  const wants = formats()[fmt].compute[0];
  if (wants !== undefined && peak.precision !== wants) {
    out.push({ code: "no-native-format", message: `${pr.hardware.id} has no ${wants} compute: ${fmt} weights are assumed to run as weight-only kernels (read at ${formats()[fmt].bitsPerWeight.value} bits per weight, computed at its ${peak.precision} peak)` });
  }
  for (const a of assumed) {
    const def = defOf(pr.hardware.kind, a.name)!;
    out.push({ code: "unidentified-parameter", message: `this result rests on ${a.name}, which no reference of the ${pr.parameterSet.id} set identifies: its value is assumed, and the band spans its whole physical range (${def.doc})` });
  }
  return out;
}

/** One prediction: the plan's point turned into the full, readable result. */
export function evaluate(pr: Prepared, w: Workload, spec?: Speculation): Prediction {
  checkWorkload(w, spec);
  const tooLong = contextLimitIssue(pr, w.promptTokens, w.outputTokens);
  if (tooLong) throw new InputError([tooLong]);
  const plan = planOf(pr);
  const pt = plan.evaluate(w.batch, w.promptTokens, w.outputTokens, spec);
  if (pt.why !== "") refuse(pr, pt, w);
  const hw = pr.hardware;
  const L = pt.layout;
  const tpot = pt.tpot;
  const wafer = hw.kind === "wafer";
  const moe = pr.profile.groups.some((g) => g.experts > 0);
  const decode = snapshot(pt.decode);
  const prefill = snapshot(pt.prefill);
  const layout = { ...L };
  const memory = { ...pt.memory };
  const tpotPlain = pt.tpotPlain;
  const tokensPerStep = pt.tokensPerStep;
  const prefillSeconds = pt.prefillSeconds;
  const roofline = pt.roofline;
  const decodeContext = pt.decodeContext;
  const assumed = assumedOf(pr, w, spec, pt);
  // assumedOf evaluates other plans; this plan's point is still the prediction's
  const warnings = warningsOf(pr, { ...pt, layout, memory, tpot, tpotPlain, tokensPerStep, prefillSeconds, roofline, decodeContext }, spec, assumed);
  const uncertainty = uncertaintyOf(pr, w, { ...pt, layout, tpot, prefillSeconds }, assumed);
  return {
    model: { id: pr.model.id, name: pr.model.name, totalParams: pr.model.params.totalParams, activeParams: pr.model.params.activeParams, ...(pr.model.assumption ? { assumption: pr.model.assumption.what } : {}) },
    hardware: { id: hw.id, name: hw.name, kind: hw.kind, chips: L.chips, tensorParallel: L.tensorParallel, pipelineStages: L.pipelineStages, ...(pr.coresPerLayer !== undefined ? { coresPerLayer: pr.coresPerLayer } : {}) },
    placement: {
      layout: layoutLabel(hw.kind, L), replicas: L.replicas, usersPerReplica: L.usersPerReplica, idleChips: L.idleChips,
      ...(wafer ? { regionCores: L.regionCores } : {}),
      ...(wafer && moe ? { expertPlacement: pr.expertPlacement } : {}),
    },
    software: { id: pr.parameterSet.software.id, name: pr.parameterSet.software.name, parameters: pr.parameterSet.values, provenance: pr.parameterSet.provenance },
    precision: dominantFormat(pr.model, pr.profile.format),
    precisionSource: pr.precision === "native" ? "native" : "asked",
    weightFormat: pr.profile.format,
    workload: { ...w, decodeContextTokens: decodeContext },
    speculation: spec ? { ...spec, tokensPerStep, draft: pr.draft ? pr.draft.model.id : "one-layer draft head", plainTokensPerSecondPerUser: 1 / tpotPlain } : null,
    decode: {
      tokensPerSecondPerUser: 1 / tpot,
      timePerOutputTokenSeconds: tpot,
      aggregateTokensPerSecond: pt.aggregate,
      bound: boundOf(decode),
      rooflineTokensPerSecondPerUser: roofline,
    },
    prefill: { seconds: prefillSeconds, bound: boundOf(prefill) },
    ttftSeconds: prefillSeconds,
    requestSeconds: prefillSeconds + (w.outputTokens - 1) * tpot,
    memory,
    breakdown: { decode: scaleBreakdown(decode, 1 / tokensPerStep), prefill },
    warnings,
    uncertainty,
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
  const plan = planOf(pr);
  const s = plan.prefillSeconds(batch, newTokens, cachedTokens);
  if (Number.isNaN(s)) refuse(pr, plan.point, { batch, promptTokens: cachedTokens + newTokens, outputTokens: 1 });
  return s;
}

/** One prediction from ids or files: the library's main entry point. */
export function predict(opts: PredictOptions): Prediction {
  let pr = prepare(opts);
  let spec = opts.speculation;
  const w = { batch: opts.batch ?? 1, promptTokens: opts.promptTokens ?? 1024, outputTokens: opts.outputTokens ?? 256 };
  if (opts.stackSpeculation) {
    if (spec) throw inputError({ file: "--stack-speculation", path: "", problem: "cannot be combined with --spec-draft-tokens/--spec-acceptance", expected: "one way of speculating" });
    pr = withStackDraft(pr);
    spec = stackSpeculationOf(pr, w);
  }
  return evaluate(pr, w, spec);
}
