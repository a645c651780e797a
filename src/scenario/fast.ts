import { InputError } from "../errors.js";
import { gpuMachine, waferMachine, type Machine } from "../engine/machine.js";
import { forward, newAcc, resetAcc, type Acc, type Pass } from "../engine/phases/forward.js";
import { expectedTokensPerStep } from "../engine/phases/speculative.js";
import { memoryNeeds, place, type Placement } from "../engine/placement.js";
import { rooflineTokensPerSecond, type Prepared } from "../engine/predict.js";
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

/** Mutable twin of Pass, reused for every call. */
interface PassBuf {
  users: number;
  tokensPerUser: number;
  priorContext: number;
  headTokensPerUser: number;
  phase: Pass["phase"];
}

export class LeanEvaluator {
  private readonly acc: Acc = newAcc();
  private readonly draftAcc: Acc = newAcc();
  private readonly pass: PassBuf = { users: 1, tokensPerUser: 1, priorContext: 0, headTokensPerUser: 1, phase: "decode" };
  private readonly machines = new Map<number, Machine>();
  private readonly draftMachines = new Map<number, Machine>();
  private head: ModelProfile | undefined;
  /** placements seen, each with the lowest and highest bytes needed it was computed for */
  private readonly placements: { lo: number; hi: number; p: Placement }[] = [];
  private neededBytes = 0;

  constructor(readonly pr: Prepared) {}

  private machineFor(cache: Map<number, Machine>, profile: ModelProfile, chips: number, tp: number, pp: number): Machine {
    const key = chips * 65536 + tp * 256 + pp;
    let m = cache.get(key);
    if (!m) {
      const pr = this.pr;
      m = pr.hardware.kind === "gpu" ? gpuMachine(pr.hardware, pr.params, tp, pp, pr.peak) : waferMachine(pr.hardware, pr.params, chips, profile.layers, pr.peak);
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
  private placement(batch: number, context: number, promptTokens: number): Placement | string {
    const pr = this.pr;
    const needs = memoryNeeds(pr.profile, batch, context, promptTokens, pr.hardware);
    const needed = needs.weightBytes + needs.kvCacheBytes + needs.activationBytes;
    this.neededBytes = needed;
    const known = this.placements;
    for (let i = 0; i < known.length; i++) {
      const k = known[i]!;
      if (needed >= k.lo && needed <= k.hi) return k.p;
    }
    let p: Placement;
    try {
      p = place(pr.profile, pr.hardware, pr.params, batch, context, promptTokens, pr.chipsAsked);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const i = err.issues[0]!;
      return `${i.problem}; ${i.expected ?? ""}`.trim();
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
    const acc = this.acc;
    const pass = this.pass;
    out[M.params] = pr.model.params.totalParams;
    const decodeContext = promptTokens + Math.floor(outputTokens / 2);
    const pl = this.placement(batch, promptTokens + outputTokens, promptTokens);
    if (typeof pl === "string") {
      out.fill(NaN);
      out[M.chips] = pr.chipsAsked ?? NaN;
      out[M.needed] = this.neededBytes;
      out[M.fits] = 0;
      out[M.params] = pr.model.params.totalParams;
      return pl;
    }
    const machine = this.machineFor(this.machines, profile, pl.chips, pl.tensorParallel, pl.pipelineStages);

    // ---- decode ----
    resetAcc(acc);
    let stepSeconds: number;
    let tokensPerStep = 1;
    pass.users = batch;
    pass.priorContext = decodeContext;
    pass.phase = "decode";
    if (draftTokens > 0) {
      pass.tokensPerUser = draftTokens + 1;
      pass.headTokensPerUser = draftTokens + 1;
      stepSeconds = forward(profile, machine, pass, acc);
      const draftAcc = resetAcc(this.draftAcc);
      pass.tokensPerUser = 1;
      pass.headTokensPerUser = 1;
      let draftStep: number;
      if (pr.draft) {
        const dm = this.machineFor(this.draftMachines, pr.draft.profile, pl.chips, pl.tensorParallel, pl.pipelineStages);
        draftStep = forward(pr.draft.profile, dm, pass, draftAcc);
      } else {
        // The one-layer draft head of evaluate(): the target's first layer group, once.
        this.head ??= { ...profile, groups: [{ ...profile.groups[0]!, count: 1 }], layers: 1 };
        draftStep = forward(this.head, machine, pass, draftAcc) - draftAcc.overhead;
      }
      acc.draft += draftTokens * draftStep;
      stepSeconds += draftTokens * draftStep;
      tokensPerStep = expectedTokensPerStep(draftTokens, acceptance);
    } else {
      pass.tokensPerUser = 1;
      pass.headTokensPerUser = 1;
      stepSeconds = forward(profile, machine, pass, acc);
    }
    const tpot = stepSeconds / tokensPerStep;
    const bound = boundOf(acc);

    // ---- prefill ----
    resetAcc(acc);
    pass.tokensPerUser = promptTokens;
    pass.priorContext = 0;
    pass.headTokensPerUser = 1;
    pass.phase = "prefill";
    const prefillSeconds = forward(profile, machine, pass, acc);

    out[M.chips] = pl.chips;
    out[M.tps] = 1 / tpot;
    out[M.tpot] = tpot;
    out[M.aggregate] = batch / tpot;
    out[M.roofline] = rooflineTokensPerSecond(pr, pl.chips, decodeContext) * tokensPerStep;
    out[M.bound] = BOUNDS.indexOf(bound);
    out[M.prefill] = prefillSeconds;
    out[M.ttft] = prefillSeconds;
    out[M.request] = prefillSeconds + (outputTokens - 1) * tpot;
    out[M.needed] = this.neededBytes;
    out[M.fits] = this.neededBytes <= pl.memory.usableBytes ? 1 : 0;
    return "";
  }
}
