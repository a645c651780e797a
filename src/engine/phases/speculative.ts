/**
 * Speculative decoding: a draft proposes k tokens, the target verifies them in one pass, and
 * each is accepted with probability a independently. Expected tokens per verify step
 * (Leviathan et al. 2023, arXiv 2211.17192, eq. 1): (1 - a^(k+1)) / (1 - a); k + 1 when a = 1.
 */
export function expectedTokensPerStep(draftTokens: number, acceptance: number): number {
  if (acceptance >= 1) return draftTokens + 1;
  return (1 - Math.pow(acceptance, draftTokens + 1)) / (1 - acceptance);
}
