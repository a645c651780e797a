/**
 * Communication ops shared by every phase. Pure functions on SI numbers.
 */

/**
 * Ring all-reduce of `bytes` over `n` devices with per-device link bandwidth `bandwidth`
 * (one direction): 2 (n - 1) / n of the message crosses each link (Patarasuk & Yuan 2009),
 * plus a fixed start-up latency. Zero for one device.
 */
export function allReduceSeconds(bytes: number, n: number, bandwidth: number, latencySeconds: number): { latency: number; transfer: number } {
  if (n <= 1) return { latency: 0, transfer: 0 };
  return { latency: latencySeconds, transfer: (2 * (n - 1) / n) * bytes / bandwidth };
}

/**
 * One reduce-then-broadcast across a square region of `regionCores` processing elements on
 * a 2D mesh: the partial sums travel one side of the region (sqrt(R) hops) and the result
 * travels back, 2 sqrt(R) hops in all (WaferLLM's PLMR model: latency grows with hop distance).
 */
export function meshCollectiveHops(regionCores: number): number {
  return 2 * Math.sqrt(regionCores);
}

/** Point-to-point transfer: latency plus bytes over bandwidth. */
export function linkSeconds(bytes: number, bandwidth: number, latencySeconds: number): { latency: number; transfer: number } {
  return { latency: latencySeconds, transfer: bytes / bandwidth };
}
