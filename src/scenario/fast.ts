import type { Prepared } from "../engine/prepare.js";
import { planOf } from "../engine/predict.js";
import { SKIP_MEMORY, SKIP_PREFILL, SKIP_ROOFLINE, type Plan } from "../engine/plan.js";
import { boundOf, type Bound } from "../engine/types.js";

/**
 * The sweep path: the engine's one evaluation path (engine/plan.ts), read into a caller's
 * Float64Array instead of a Prediction object. Per deployment the plan is prepared once; per
 * point it picks the layout, runs the decode step (with draft and verify when speculating), the
 * prefill pass and the roofline into reused buffers.
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
  private readonly plan: Plan;
  private skip = 0;

  constructor(readonly pr: Prepared) {
    this.plan = planOf(pr);
  }

  /**
   * The metrics a caller will read (indices in M): the prefill pass runs only when prefill,
   * TTFT or request time is among them, the roofline only when it is, the memory accounting
   * only when needed bytes or fits is; the others are NaN.
   */
  only(slots: ArrayLike<number>): void {
    const read = new Set(Array.from(slots));
    this.skip = (read.has(M.prefill) || read.has(M.ttft) || read.has(M.request) ? 0 : SKIP_PREFILL) | (read.has(M.roofline) ? 0 : SKIP_ROOFLINE)
      | (read.has(M.needed) || read.has(M.fits) ? 0 : SKIP_MEMORY);
  }

  /**
   * One point into `out` (indices in M). `draftTokens` 0: no speculation. Returns "" or, when
   * the deployment cannot run this point (the model does not fit the chips asked for, or the
   * request exceeds the context window), why; then only chips, needed bytes, fits and params
   * are set and the rest is NaN.
   */
  evaluate(batch: number, promptTokens: number, outputTokens: number, draftTokens: number, acceptance: number, out: Float64Array): string {
    const pr = this.pr;
    const pt = this.plan.evaluate(batch, promptTokens, outputTokens, draftTokens > 0 ? { draftTokens, acceptance } : undefined, 0, this.skip);
    if (pt.why !== "") {
      out.fill(NaN);
      out[M.chips] = pr.chipsAsked ?? NaN;
      out[M.needed] = pt.memory.neededBytes > 0 ? pt.memory.neededBytes : NaN;
      out[M.fits] = 0;
      out[M.params] = pr.model.params.totalParams;
      return pt.why;
    }
    const tpot = pt.tpot;
    out[M.chips] = pt.layout.chips;
    out[M.tps] = 1 / tpot;
    out[M.tpot] = tpot;
    out[M.aggregate] = pt.aggregate;
    out[M.roofline] = pt.roofline;
    out[M.bound] = BOUNDS.indexOf(boundOf(pt.decode));
    out[M.prefill] = pt.prefillSeconds;
    out[M.ttft] = pt.prefillSeconds;
    out[M.request] = pt.prefillSeconds + (outputTokens - 1) * tpot;
    const memory = (this.skip & SKIP_MEMORY) === 0;
    out[M.needed] = memory ? pt.memory.neededBytes : NaN;
    out[M.fits] = memory ? (pt.memory.fits ? 1 : 0) : NaN;
    out[M.params] = pr.model.params.totalParams;
    return "";
  }
}
