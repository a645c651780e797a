import { allReduceSeconds, meshCollectiveHops } from "../ops/collectives.js";
import { expectedExpertsTouched } from "../ops/roofline.js";
import type { GpuMachine, Machine, WaferMachine } from "../machine.js";
import { kvReplication, type GroupProfile, type ModelProfile } from "../profile.js";

/**
 * One forward pass: the shared op that decode steps, speculative verification and prefill are
 * all made of. `users` sequences each push `tokensPerUser` new tokens through every layer,
 * after `priorContext` tokens already in their KV cache.
 *
 * decode:   tokensPerUser 1, priorContext = current context
 * verify:   tokensPerUser k + 1 (speculative decoding)
 * prefill:  tokensPerUser = prompt length, priorContext 0, logits for the last token only
 */
export interface Pass {
  readonly users: number;
  readonly tokensPerUser: number;
  readonly priorContext: number;
  /** tokens per user that need output logits (decode: all; prefill: the last) */
  readonly headTokensPerUser: number;
  readonly phase: "decode" | "prefill";
}

/** Mutable accumulator, reused across calls on hot paths. Seconds by part. */
export interface Acc {
  compute: number;
  memory: number;
  mesh: number;
  sync: number;
  interconnect: number;
  overhead: number;
  draft: number;
}

export function newAcc(): Acc {
  return { compute: 0, memory: 0, mesh: 0, sync: 0, interconnect: 0, overhead: 0, draft: 0 };
}

export function resetAcc(a: Acc): Acc {
  a.compute = a.memory = a.mesh = a.sync = a.interconnect = a.overhead = a.draft = 0;
  return a;
}

/**
 * Attention positions attended by `q` new tokens after `c0` cached ones, with a window w:
 * sum over j = 1..q of min(c0 + j, w).
 */
export function attendedPositions(c0: number, q: number, window: number | null): number {
  if (window === null) return q * c0 + (q * (q + 1)) / 2;
  const n1 = Math.max(0, Math.min(q, window - c0));
  return n1 * c0 + (n1 * (n1 + 1)) / 2 + (q - n1) * window;
}

/** KV-cache tokens of one layer read (the cache so far) and written (the new tokens). */
function kvTokensMoved(g: GroupProfile, c0: number, q: number): number {
  return (g.window === null ? c0 : Math.min(c0, g.window)) + q;
}

/** Adds one forward pass's time to `acc` (seconds by part) and returns the pass's total. */
export function forward(p: ModelProfile, m: Machine, pass: Pass, acc: Acc): number {
  return m.kind === "gpu" ? forwardGpu(p, m, pass, acc) : forwardWafer(p, m, pass, acc);
}

function forwardGpu(p: ModelProfile, m: GpuMachine, pass: Pass, acc: Acc): number {
  const B = pass.users;
  const q = pass.tokensPerUser;
  const tokens = B * q;
  const activationBytes = tokens * p.hidden * p.activationBytesPerElement;
  const ar = allReduceSeconds(activationBytes, m.tensorParallel, m.nvlinkBandwidth, m.allReduceLatency);
  const kvCopies = kvReplication(p, m.tensorParallel);
  let t = 0;
  for (const g of p.groups) {
    const touched = g.experts > 0 ? expectedExpertsTouched(g.experts, g.activeExperts, tokens) : 0;
    const bytes = g.fixedBytes + touched * g.expertBytes + kvCopies * B * g.kvBytesPerToken * kvTokensMoved(g, pass.priorContext, q);
    const flops = tokens * g.matmulFlops + B * g.attnFlopsPerPosition * attendedPositions(pass.priorContext, q, g.window);
    const mem = bytes / m.groupBandwidth;
    const cmp = flops / m.groupCompute;
    // Two all-reduces per layer under tensor parallelism: after attention and after the FFN.
    const n = g.count;
    if (mem >= cmp) acc.memory += n * mem; else acc.compute += n * cmp;
    acc.sync += n * 2 * ar.latency;
    acc.interconnect += n * 2 * ar.transfer;
    t += n * (Math.max(mem, cmp) + 2 * (ar.latency + ar.transfer));
  }
  const headMem = p.headBytes / m.groupBandwidth;
  const headCmp = (B * pass.headTokensPerUser * p.headFlops) / m.groupCompute;
  if (headMem >= headCmp) acc.memory += headMem; else acc.compute += headCmp;
  t += Math.max(headMem, headCmp);
  if (m.pipelineStages > 1) {
    const hop = (m.pipelineStages - 1) * (m.networkLatency + activationBytes / m.scaleOutBandwidth);
    acc.interconnect += hop;
    t += hop;
  }
  acc.overhead += m.stepOverhead;
  return t + m.stepOverhead;
}

function forwardWafer(p: ModelProfile, m: WaferMachine, pass: Pass, acc: Acc): number {
  const prefill = pass.phase === "prefill";
  // Decode: up to one user per pipeline slot (layer) is in flight at a time; beyond that, each
  // layer processes users / slots tokens per pipeline cycle on average. Prefill: every user's
  // prompt streams through the same pipeline, so all of them count.
  const perSlot = prefill ? pass.users : Math.max(1, pass.users / m.pipelineSlots);
  const q = pass.tokensPerUser;
  const R = m.regionCores;
  const hops = meshCollectiveHops(R);
  // Decode's GEMVs end in one all-reduce across the region (2 sqrt(R) hops, one
  // synchronisation). Prefill's GEMMs are distributed matmuls (Cannon, SUMMA, WaferLLM's
  // MeshGEMM): sqrt(R) shift steps, each a neighbour hop and a synchronisation, so their cost
  // grows with the region's side while the compute shrinks with its area (WaferLLM 7.2).
  const side = Math.sqrt(R);
  const meshPer = prefill ? side * m.hopLatency : hops * m.hopLatency;
  const syncPer = prefill ? side * m.collectiveSync : m.collectiveSync;
  const coreCompute = prefill ? m.corePrefillCompute : m.coreCompute;
  // Prefill streams the prompt through the layer pipeline in chunks, one chunk per slot
  // (more chunks add no parallelism, fewer leave layers idle): total time is one chunk's
  // trip through every layer plus (chunks - 1) times the slowest layer.
  const chunks = prefill ? Math.max(1, Math.min(perSlot * q, m.pipelineSlots)) : 1;
  const chunkTokens = (perSlot * q) / chunks;
  let compute = 0;
  let memory = 0;
  let mesh = 0;
  let sync = 0;
  let slowest = 0;
  for (const g of p.groups) {
    // Every core of the region reads its own slice of the layer's weights (an MoE layer's
    // active experts sit on their own cores, which each read their whole slice).
    const kvBytes = (perSlot * g.kvBytesPerToken * kvTokensMoved(g, pass.priorContext, q)) / chunks;
    const bytesPerCore = (g.storedBytes + kvBytes) / R;
    const attnFlops = (perSlot * g.attnFlopsPerPosition * attendedPositions(pass.priorContext, q, g.window)) / chunks;
    const flopsPerCore = (chunkTokens * g.matmulFlops + attnFlops) / R;
    const mem = bytesPerCore / m.coreBandwidth;
    const cmp = flopsPerCore / coreCompute;
    const lat = g.collectives * (meshPer + syncPer);
    const n = g.count;
    if (mem >= cmp) memory += n * mem; else compute += n * cmp;
    mesh += n * g.collectives * meshPer;
    sync += n * g.collectives * syncPer;
    slowest = Math.max(slowest, Math.max(mem, cmp) + lat);
  }
  // Output head: one more region; a reduction for the logits and one for the arg-max.
  const headMem = p.headBytes / R / m.coreBandwidth;
  const headCmp = (perSlot * pass.headTokensPerUser * p.headFlops) / R / coreCompute;
  if (headMem >= headCmp) memory += headMem; else compute += headCmp;
  mesh += 2 * hops * m.hopLatency;
  sync += 2 * m.collectiveSync;
  const oneTrip = compute + memory + mesh + sync;
  // Parts of a chunked prefill scale with the whole: (trip + (chunks - 1) x slowest) / trip.
  const f = chunks > 1 ? (oneTrip + (chunks - 1) * slowest) / oneTrip : 1;
  acc.compute += compute * f;
  acc.memory += memory * f;
  acc.mesh += mesh * f;
  acc.sync += sync * f;
  let t = oneTrip * f;
  if (m.chips > 1) {
    const handoff = (m.chips - 1) * (m.waferLinkLatency + (perSlot * q * p.hidden * p.activationBytesPerElement) / m.scaleOutBandwidth);
    acc.interconnect += handoff;
    t += handoff;
  }
  acc.overhead += m.stepOverhead;
  return t + m.stepOverhead;
}
