/**
 * The roofline of one piece of work: the time is the larger of moving its bytes and doing its
 * FLOPs, and the larger one is what bounds it.
 */
export interface RooflineResult {
  readonly seconds: number;
  readonly bound: "memory" | "compute";
  readonly memorySeconds: number;
  readonly computeSeconds: number;
}

export function roofline(bytes: number, flops: number, bytesPerSecond: number, flopPerSecond: number): RooflineResult {
  const memorySeconds = bytes / bytesPerSecond;
  const computeSeconds = flops / flopPerSecond;
  return memorySeconds >= computeSeconds
    ? { seconds: memorySeconds, bound: "memory", memorySeconds, computeSeconds }
    : { seconds: computeSeconds, bound: "compute", memorySeconds, computeSeconds };
}

/**
 * Expected number of distinct experts a batch of `tokens` touches when each token picks
 * `active` of `experts` uniformly: E (1 - (1 - k/E)^T). Routing is not uniform in practice,
 * which makes this an upper bound on the weights a step reads.
 */
export function expectedExpertsTouched(experts: number, active: number, tokens: number): number {
  if (experts <= 0) return 0;
  return experts * (1 - Math.pow(1 - active / experts, tokens));
}
