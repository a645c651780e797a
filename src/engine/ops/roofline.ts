/**
 * Expected number of distinct experts a batch of `tokens` touches when each token picks
 * `active` of `experts` uniformly: E (1 - (1 - k/E)^T). Routing is not uniform in practice,
 * which makes this an upper bound on the weights a step reads.
 */
export function expectedExpertsTouched(experts: number, active: number, tokens: number): number {
  if (experts <= 0) return 0;
  return experts * (1 - Math.pow(1 - active / experts, tokens));
}
