/**
 * Communication ops shared by every phase. Pure functions on SI numbers.
 */

/**
 * Ring all-reduce of `bytes` over `n` devices with per-device link bandwidth `bandwidth`
 * (one direction): 2 (n - 1) / n of the message crosses each link (Patarasuk & Yuan 2009),
 * plus a fixed start-up latency. Zero for one device. In two parts, without an object (hot path):
 * the start-up here, the transfer below.
 */
export function allReduceLatency(n: number, latencySeconds: number): number {
  return n <= 1 ? 0 : latencySeconds;
}

/** The transfer part of a ring all-reduce (above). */
export function allReduceTransfer(bytes: number, n: number, bandwidth: number): number {
  return n <= 1 ? 0 : ((2 * (n - 1)) / n) * bytes / bandwidth;
}

/**
 * Hops on the critical path of one all-reduce along a row (or column) of a square region of
 * `regionCores` processing elements: WaferLLM's two-level K-tree puts the root in the middle,
 * so partial sums travel half the side in and the result half the side out, N = sqrt(R) hops
 * in all ("reducing the critical path to only (N^(1/K) K)/2 times routing and N hops",
 * WaferLLM, OSDI 2025, section 6.1; PLMR model: latency grows with hop distance).
 */
export function meshCollectiveHops(regionCores: number): number {
  return Math.sqrt(regionCores);
}
