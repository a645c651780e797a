import { InputError } from "../errors.js";
import type { Machine } from "../engine/machine.js";
import { composePhases, newComposition, type Composition } from "../engine/compose.js";
import { memoryNeeds, place, type Placement } from "../engine/placement.js";
import { contextLimitIssue, draftResident, machineFor, parallelChipsOf, rooflineTokensPerSecond, type Prepared } from "../engine/predict.js";
import type { ModelProfile } from "../engine/profile.js";
import { boundOf, type Bound } from "../engine/types.js";

/**
 * The sweep path: the same physics as `evaluate` (engine/predict.ts), composed the same way
 * and in the same order of operations, so every figure is bit-identical to the full
 * Prediction's (tests/scenario/fast.test.ts checks this), without building that object.
 * Per deployment: machines and the draft head are built once and cached; per point: one
 * placement, the decode step (with draft and verify when speculating), the prefill pass and
 * the roofline, into a reused accumulator and a caller's Float64Array.
 */
export const METRICS = [
  "hardware.chips",
  "decode.tokensPerSecondPerUser",
  "decode.timePerOutputTokenSeconds",
  "decode.aggregateTokensPerSecond",
  "decode.rooflineTokensPerSecondPerUser",
  "decode.bound",
  "prefill.seconds",
  "ttftSeconds",
  "requestSeconds",
  "memory.neededBytes",
  "memory.fits",
  "model.totalParams",
] as const;

export type Metric = (typeof METRICS)[number];

export const M = {
  chips: 0, tps: 1, tpot: 2, aggregate: 3, roofline: 4, bound: 5, prefill: 6, ttft: 7, request: 8, needed: 9, fits: 10, params: 11,
} as const;

export const BOUNDS: readonly Bound[] = ["compute", "memory", "latency", "interconnect"];

export class LeanEvaluator {
  private readonly c: Composition = newComposition();
  /** what a draft keeps in memory when the point speculates (built once) */
  private resident: ModelProfile | undefined;
  private readonly machines = new Map<number, Machine>();
  private readonly draftMachines = new Map<number, Machine>();
  /** placements seen, each with the lowest and highest bytes needed it was computed for */
  private readonly placements: { lo: number; hi: number; p: Placement }[] = [];
  private neededBytes = 0;
  /**
   * Whether a tensor-parallel group could copy KV heads (kvReplication), without and with the
   * draft: then the bytes a layout needs depend on the layout, and the ranges of `placements`
   * do not hold.
   */
  private readonly kvCopies: readonly [boolean, boolean];

  constructor(readonly pr: Prepared) {
    const domain = pr.hardware.kind === "gpu" ? (pr.hardware.interconnect.scaleUp?.devices.value ?? 1) : 0;
    // the draft a speculating point keeps resident: its model, or a head with the target's attention
    const draftShards = pr.draft?.profile.kvShards ?? pr.profile.kvShards;
    this.kvCopies = [pr.profile.kvShards < domain, Math.min(pr.profile.kvShards, draftShards) < domain];
  }

  private machineFor(cache: Map<number, Machine>, profile: ModelProfile, chips: number, tp: number, pp: number): Machine {
    const key = chips * 65536 + tp * 256 + pp;
    let m = cache.get(key);
    if (!m) {
      m = machineFor(this.pr, profile, chips, tp, pp);
      cache.set(key, m);
    }
    return m;
  }

  /**
   * The engine's placement for this point, without calling `place` (which allocates) for
   * every point. `place` picks the fewest chips, from a fixed list of candidate layouts, whose
   * usable memory holds the bytes needed (or checks the chips asked for). So a placement it
   * chose for `lo` needed bytes is its choice for every value from `lo` up to that placement's
   * usable bytes: a smaller layout would have been chosen for `lo` too, and this one holds
   * them all. Each placement is kept with that range; a point inside a known range reuses it
   * and any other point calls `place`. (The point's memory figures are its own.)
   * Returns why, when the point cannot be placed.
   */
  private placement(batch: number, context: number, promptTokens: number, draft: ModelProfile | undefined): Placement | string {
    const pr = this.pr;
    const needs = memoryNeeds(pr.profile, batch, context, promptTokens, pr.hardware, draft);
    const needed = needs.weightBytes + needs.kvCacheBytes + needs.activationBytes;
    this.neededBytes = needed;
    const known = this.placements;
    // With KV copies the ranges below do not hold: ask `place` every time.
    const copies = this.kvCopies[draft ? 1 : 0]!;
    for (let i = 0; !copies && i < known.length; i++) {
      const k = known[i]!;
      if (needed >= k.lo && needed <= k.hi) return k.p;
    }
    let p: Placement;
    try {
      p = place(pr.profile, pr.hardware, pr.params, batch, context, promptTokens, pr.chipsAsked, draft);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const i = err.issues[0]!;
      return `${i.problem}; ${i.expected ?? ""}`.trim();
    }
    if (copies) {
      this.neededBytes = p.memory.neededBytes;
      return p;
    }
    const same = known.find((k) => k.p.chips === p.chips && k.p.tensorParallel === p.tensorParallel && k.p.pipelineStages === p.pipelineStages);
    if (same) same.lo = Math.min(same.lo, needed);
    else known.push({ lo: needed, hi: p.memory.usableBytes, p });
    return p;
  }

  /**
   * One point into `out` (indices in M). `draftTokens` 0: no speculation. Returns "" or, when
   * the deployment cannot run this point (the model does not fit the chips asked for), why;
   * then only chips, needed bytes, fits and params are set and the rest is NaN.
   */
  evaluate(batch: number, promptTokens: number, outputTokens: number, draftTokens: number, acceptance: number, out: Float64Array): string {
    const pr = this.pr;
    const profile = pr.profile;
    out[M.params] = pr.model.params.totalParams;
    const tooLong = contextLimitIssue(pr, promptTokens, outputTokens);
    if (tooLong) this.neededBytes = NaN;
    const pl = tooLong ? `${tooLong.problem}; ${tooLong.expected ?? ""}` : this.placement(batch, promptTokens + outputTokens, promptTokens, draftTokens > 0 ? (this.resident ??= draftResident(pr, true)) : undefined);
    if (typeof pl === "string") {
      out.fill(NaN);
      out[M.chips] = pr.chipsAsked ?? NaN;
      out[M.needed] = this.neededBytes;
      out[M.fits] = 0;
      out[M.params] = pr.model.params.totalParams;
      return pl;
    }
    const machine = this.machineFor(this.machines, profile, pl.chips, pl.tensorParallel, pl.pipelineStages);
    const draft = draftTokens > 0 && pr.draft ? { profile: pr.draft.profile, machine: this.machineFor(this.draftMachines, pr.draft.profile, pl.chips, pl.tensorParallel, pl.pipelineStages) } : undefined;
    const ph = composePhases(this.c, profile, machine, draft, batch, promptTokens, outputTokens, draftTokens, acceptance);
    const tpot = ph.tpot;

    out[M.chips] = pl.chips;
    out[M.tps] = 1 / tpot;
    out[M.tpot] = tpot;
    out[M.aggregate] = batch / tpot;
    out[M.roofline] = rooflineTokensPerSecond(pr, parallelChipsOf(pr.hardware, pl.tensorParallel), ph.decodeContext) * ph.tokensPerStep;
    out[M.bound] = BOUNDS.indexOf(boundOf(this.c.decode));
    out[M.prefill] = ph.prefillSeconds;
    out[M.ttft] = ph.prefillSeconds;
    out[M.request] = ph.prefillSeconds + (outputTokens - 1) * tpot;
    out[M.needed] = this.neededBytes;
    out[M.fits] = this.neededBytes <= pl.memory.usableBytes ? 1 : 0;
    return "";
  }
}
