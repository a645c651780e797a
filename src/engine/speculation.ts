import type { Plan } from "./plan.js";

/** Draft lengths a runtime would consider: 1 to 8 tokens per verify step. */
export const MAX_DRAFT_TOKENS = 8;

/**
 * The draft length that decodes fastest per user at this acceptance, as a runtime tuning its
 * speculation would pick it: each extra drafted token costs a draft step and a wider verify
 * pass, and pays off only while acceptance^k is large enough (Leviathan et al. 2023, section 3.5).
 * Returns 0 when no draft length beats decoding without speculation.
 */
export function bestDraftTokens(plan: Plan, batch: number, promptTokens: number, outputTokens: number, acceptance: number, max = MAX_DRAFT_TOKENS): number {
  let best = 0;
  let bestTpot = Infinity;
  for (let k = 1; k <= max; k++) {
    const pt = plan.evaluate(batch, promptTokens, outputTokens, { draftTokens: k, acceptance });
    if (pt.why !== "") return best;
    if (k === 1) bestTpot = pt.tpotPlain;
    if (pt.tpot < bestTpot) { best = k; bestTpot = pt.tpot; }
  }
  return best;
}
