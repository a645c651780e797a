import { allReduceLatency, allReduceTransfer, meshCollectiveHops } from "../ops/collectives.js";
import { expectedExpertsTouched } from "../ops/roofline.js";
import type { GpuMachine, Machine, WaferMachine } from "../machine.js";
import { kvReplication, type GroupProfile, type ModelProfile } from "../profile.js";

/**
 * One forward pass: the op that decode steps, speculative verification, prefill, prefill after
 * a prompt-cache hit and a serving iteration's mix of all of these are made of. A pass is a
 * list of segments; in each, `users` sequences push `newTokens` tokens through every layer
 * after `cachedTokens` already in their KV cache, and `logitTokens` of them need the output
 * head. The weights are read once per pass; KV reads and FLOPs add up over segments.
 *
 * decode:   newTokens 1, cachedTokens = current context, logitTokens 1
 * verify:   newTokens k + 1 (speculative decoding), logitTokens k + 1
 * prefill:  newTokens = prompt (or the uncached suffix), cachedTokens 0 (or the cached prefix),
 *           logitTokens 1 (or 0 for a chunk that does not end the prompt)
 *
 * A segment whose new tokens do not all need logits is a prefill: on a wafer its matmuls are
 * distributed GEMMs streamed through the layer pipeline; the others are GEMVs, one token per
 * user per layer region at a time.
 */
export interface Segment {
  users: number;
  newTokens: number;
  cachedTokens: number;
  logitTokens: number;
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
  /**
   * Of compute + memory and of mesh above: the seconds spent in sub-regions whose size does not
   * follow the layer's region (a sliced MoE layer's dense part), which the choice of the region
   * must leave out. Not a part of the breakdown.
   */
  subWork: number;
  subMesh: number;
}

export function newAcc(): Acc {
  return { compute: 0, memory: 0, mesh: 0, sync: 0, interconnect: 0, overhead: 0, draft: 0, subWork: 0, subMesh: 0 };
}

export function resetAcc(a: Acc): Acc {
  a.compute = a.memory = a.mesh = a.sync = a.interconnect = a.overhead = a.draft = a.subWork = a.subMesh = 0;
  return a;
}

export const isPrefill = (s: Segment): boolean => s.logitTokens < s.newTokens;

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
export function forward(p: ModelProfile, m: Machine, segments: readonly Segment[], acc: Acc): number {
  return m.kind === "gpu" ? forwardGpu(p, m, segments, acc) : forwardWafer(p, m, segments, acc);
}

/**
 * Per-layer work of `share` of every segment's users (a pipeline cycle's share) on one layer
 * group: weight bytes (experts touched by the tokens), KV bytes, FLOPs. Written into `w`.
 */
interface Work { tokens: number; kvBytes: number; attnFlops: number; logits: number }
const work: Work = { tokens: 0, kvBytes: 0, attnFlops: 0, logits: 0 };

function workOf(g: GroupProfile, segments: readonly Segment[], share: number, prefill: boolean | null): Work {
  let tokens = 0;
  let kv = 0;
  let attn = 0;
  let logits = 0;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (prefill !== null && isPrefill(s) !== prefill) continue;
    const u = s.users * share;
    tokens += u * s.newTokens;
    kv += u * kvTokensMoved(g, s.cachedTokens, s.newTokens);
    attn += u * attendedPositions(s.cachedTokens, s.newTokens, g.window);
    logits += u * s.logitTokens;
  }
  work.tokens = tokens;
  work.kvBytes = kv * g.kvBytesPerToken;
  work.attnFlops = attn * g.attnFlopsPerPosition;
  work.logits = logits;
  return work;
}

/** Users of the prefill segments (true), the decode-like ones (false) or all (null). */
function usersOf(segments: readonly Segment[], prefill: boolean | null): number {
  let u = 0;
  for (const s of segments) if (prefill === null || isPrefill(s) === prefill) u += s.users;
  return u;
}

function forwardGpu(p: ModelProfile, m: GpuMachine, segments: readonly Segment[], acc: Acc): number {
  const pp = m.pipelineStages;
  const users = usersOf(segments, null);
  const allDecode = usersOf(segments, true) === 0;
  // Pipeline parallelism: decode users are split into micro-batches, one per stage, so each
  // stage works on users / stages at a time and a token's step is every stage once. A prefill
  // streams its tokens through the stages in chunks (below); a mixed pass runs its stages in turn.
  const share = allDecode && pp > 1 ? 1 / Math.min(pp, users) : 1;
  const kvCopies = kvReplication(p, m.tensorParallel);
  const first = p.groups[0];
  const totalTokens = first ? workOf(first, segments, 1, null).tokens : 0;
  // Prefill chunks across stages: one per stage (more add no parallelism).
  const chunks = !allDecode && usersOf(segments, false) === 0 && pp > 1 ? Math.max(1, Math.min(totalTokens, pp)) : 1;
  const f = share / chunks;
  let layers = 0;
  let cmpSum = 0;
  let memSum = 0;
  let syncSum = 0;
  let xferSum = 0;
  let tokens = 0;
  let logits = 0;
  for (const g of p.groups) {
    const w = workOf(g, segments, f, null);
    tokens = w.tokens;
    logits = w.logits;
    // Two kinds of kernel run one after the other, each on its own roofline: the matmuls
    // (weights read once for every token of the pass; the experts the tokens touch) and the
    // attention (each user's KV cache). At batch 1 both are memory-bound and the sum is the
    // bytes over bandwidth; at large batches the matmuls turn compute-bound while attention
    // stays memory-bound, and the two do not overlap.
    const touched = g.experts > 0 ? expectedExpertsTouched(g.experts, g.activeExperts, w.tokens) : 0;
    const mmMem = (g.fixedBytes + touched * g.expertBytes) / m.groupBandwidth;
    const mmCmp = (w.tokens * g.matmulFlops) / m.groupCompute;
    const atMem = (kvCopies * w.kvBytes) / m.groupBandwidth;
    const atCmp = w.attnFlops / m.groupCompute;
    // Two all-reduces per layer under tensor parallelism: after attention and after the FFN.
    const arLatency = allReduceLatency(m.tensorParallel, m.allReduceLatency);
    const arTransfer = allReduceTransfer(w.tokens * p.hidden * p.activationBytesPerElement, m.tensorParallel, m.allReduceBandwidth);
    const n = g.count;
    if (mmMem >= mmCmp) memSum += n * mmMem; else cmpSum += n * mmCmp;
    if (atMem >= atCmp) memSum += n * atMem; else cmpSum += n * atCmp;
    syncSum += n * 2 * arLatency;
    xferSum += n * 2 * arTransfer;
    layers += n * (Math.max(mmMem, mmCmp) + Math.max(atMem, atCmp) + 2 * (arLatency + arTransfer));
  }
  const headMem = p.headBytes / m.groupBandwidth;
  const headCmp = (logits * p.headFlops) / m.groupCompute;
  if (headMem >= headCmp) memSum += headMem; else cmpSum += headCmp;
  layers += Math.max(headMem, headCmp);
  let handoff = 0;
  if (pp > 1) handoff = (pp - 1) * (m.networkLatency + (tokens * p.hidden * p.activationBytesPerElement) / m.scaleOutBandwidth);
  // A chunked prefill: one chunk's trip through every stage, then (chunks - 1) x one stage.
  const trip = layers + handoff;
  const scale = chunks > 1 ? (trip + ((chunks - 1) * trip) / pp) / trip : 1;
  acc.compute += cmpSum * scale;
  acc.memory += memSum * scale;
  acc.sync += syncSum * scale;
  acc.interconnect += (xferSum + handoff) * scale;
  // A decode step pays the per-step overhead (sampling, the next step's launch); a prefill pays
  // the per-request one (taking the prompt in, setting up its cache); a mixed iteration both.
  const overhead = (usersOf(segments, false) > 0 ? m.stepOverhead : 0) + (allDecode ? 0 : m.prefillOverhead);
  acc.overhead += overhead;
  return trip * scale + overhead;
}

function forwardWafer(p: ModelProfile, m: WaferMachine, segments: readonly Segment[], acc: Acc): number {
  let t = 0;
  const prefilling = usersOf(segments, true) > 0;
  if (prefilling) t += waferPrefill(p, m, segments, acc);
  if (usersOf(segments, false) > 0) t += waferPart(p, m, segments, true, false, 0, acc);
  const overhead = m.layersOnly ? 0 : (usersOf(segments, false) > 0 ? m.stepOverhead : 0) + (prefilling ? m.prefillOverhead : 0);
  acc.overhead += overhead;
  return t + overhead;
}

/** All-reduces of an MoE layer that span its whole region under sliced experts: the fused up/gate, the down projection and the combine. */
const EXPERT_COLLECTIVES = 3;

/**
 * Cores of the dense part of a sliced MoE layer in a GEMV pass: the x = sqrt(Rd) that minimises
 * A / x^2 + C / x + B x (the work spread over Rd cores, the messages over its side, the hops
 * along it), the root of B x^3 - C x - 2A = 0; at least the share of the region its weights
 * fill, at most the region.
 */
function denseRegion(p: ModelProfile, m: WaferMachine, g: GroupProfile, tokens: number, kvBytes: number, attnFlops: number, coreCompute: number, R: number): number {
  const n = m.collectivesPerLayer + g.extraCollectives - EXPERT_COLLECTIVES;
  const A = Math.max(g.fixedBytes / m.coreBandwidth, (tokens * (g.matmulFlops - g.activeExperts * g.expertFlops)) / coreCompute) + Math.max(kvBytes / m.coreBandwidth, attnFlops / coreCompute);
  const B = n * m.hopLatency;
  const C = (n * tokens * p.hidden * p.activationBytesPerElement) / m.linkBandwidth;
  const floor = Math.max(1, (R * g.fixedBytes) / (g.fixedBytes + g.experts * g.expertBytes));
  if (!(B > 0)) return R;
  let x = Math.max(Math.cbrt((2 * A) / B), Math.sqrt(C / B));
  for (let i = 0; i < 4; i++) x -= (B * x * x * x - C * x - 2 * A) / (3 * B * x * x - C);
  const rd = x * x;
  return rd >= R ? R : rd > floor ? rd : floor;
}

const gemmAcc = newAcc();
const gemvAcc = newAcc();
/** the prompts of a pass as GEMV units: one token per user per cycle, at the middle of its prompt */
const streamed: Segment[] = [];

/**
 * A prefill on a wafer takes the faster of two ways a runtime can run it: distributed GEMMs over
 * chunks of the prompts (best for long prompts), or the decode path's GEMVs with the prompt's
 * tokens one cycle behind each other through the layer pipeline (best for a few tokens, where
 * a GEMM's sqrt(R) shift steps cost more than the arithmetic they spread).
 */
function waferPrefill(p: ModelProfile, m: WaferMachine, segments: readonly Segment[], acc: Acc): number {
  const gemm = waferPart(p, m, segments, false, true, 0, resetAcc(gemmAcc));
  // GEMVs: one token of one prompt per layer per cycle (a small GEMM of users / slots of them
  // when more prompts than slots stream at once), every token of every prompt in turn.
  let n = 0;
  let users = 0;
  let tokens = 0;
  for (const s of segments) {
    if (!isPrefill(s)) continue;
    const u = (streamed[n] ??= { users: 0, newTokens: 1, cachedTokens: 0, logitTokens: 1 });
    u.users = s.users;
    u.cachedTokens = s.cachedTokens + Math.floor(s.newTokens / 2);
    u.logitTokens = 1;
    users += s.users;
    tokens += s.users * s.newTokens;
    n++;
  }
  streamed.length = n;
  const cycles = tokens / Math.max(1, users / m.pipelineSlots);
  const gemv = waferPart(p, m, streamed, true, false, cycles, resetAcc(gemvAcc));
  const best = gemv < gemm ? gemvAcc : gemmAcc;
  acc.compute += best.compute;
  acc.memory += best.memory;
  acc.mesh += best.mesh;
  acc.sync += best.sync;
  acc.interconnect += best.interconnect;
  return Math.min(gemm, gemv);
}

/**
 * The segments of a pass that are (`decodeLike`) or are not (prefill) decode-like, on a wafer. The layers sit
 * in regions of R cores, pipelined across the wafers; every core reads its own slice of its
 * layer's weights and KV cache from its SRAM. `gemm`: distributed matmuls over chunks (prefill);
 * else GEMVs, `cycles0` cycles (0: the deepest segment's new tokens) one behind the other.
 */
function waferPart(p: ModelProfile, m: WaferMachine, segments: readonly Segment[], decodeLike: boolean, gemm: boolean, cycles0: number, acc: Acc): number {
  // Work flows through the layer pipeline in units of one token of one sequence; a layer region
  // holds one unit at a time while there are no more units than regions (pipeline slots), and
  // shares a cycle between units / slots of them beyond that (a small GEMM).
  // GEMVs (decode, verify): every user's tokens are in flight at once, a verify's k + 1 known
  // tokens one cycle behind each other, so a step is one trip plus k cycles of the slowest layer.
  // GEMMs (prefill): the prompts stream through in chunks, one per slot (more add no
  // parallelism, fewer leave layers idle): one chunk's trip plus (chunks - 1) cycles.
  const prefill = !decodeLike;
  let units = 0;
  let deepest = 1;
  for (const s of segments) {
    if (isPrefill(s) !== prefill) continue;
    units += s.users * s.newTokens;
    deepest = Math.max(deepest, s.newTokens);
  }
  const R = m.regionCores;
  const side = Math.sqrt(R);
  // A GEMV ends in one all-reduce along the region (sqrt(R) hops, one synchronisation), the
  // message (a slice of the output vector per token) serialising once over a mesh link. A
  // distributed GEMM (Cannon, SUMMA, WaferLLM's MeshGEMM) takes sqrt(R) shift steps, each a
  // neighbour hop and a synchronisation, so its cost grows with the region's side while the
  // compute shrinks with its area (WaferLLM 7.2).
  const hopsPer = gemm ? side : meshCollectiveHops(R);
  const syncPer = gemm ? side * m.collectiveSync : m.collectiveSync;
  const coreCompute = gemm ? m.corePrefillCompute : m.coreCompute;
  const chunks = gemm ? Math.max(1, Math.min(units, m.pipelineSlots)) : 1;
  // the share of every segment's work one layer does per cycle
  const f = gemm ? 1 / chunks : Math.max(1, units / m.pipelineSlots) / units;
  const cycles = gemm ? chunks : cycles0 > 0 ? cycles0 : deepest;
  let compute = 0;
  let memory = 0;
  let mesh = 0;
  let sync = 0;
  let slowest = 0;
  let logits = 0;
  let subWork = 0;
  let subMesh = 0;
  for (const g of p.groups) {
    const w = workOf(g, segments, f, prefill);
    logits = w.logits;
    // The bytes each core reads: its slice of the layer's fixed weights and KV cache, and of the
    // experts the tokens use. Sliced placement: every core holds a slice of every expert, so a
    // token's time follows the active experts' bytes. One expert per sub-region of R / E cores:
    // an active expert is read by its sub-region alone, as slowly as if all were read.
    const touched = g.experts > 0 ? expectedExpertsTouched(g.experts, g.activeExperts, w.tokens) : 0;
    const perExpert = m.expertPlacement === "per-expert" && g.experts > 0;
    const expertBytes = perExpert ? g.experts * g.expertBytes : touched * g.expertBytes;
    // Per core, the matmuls (its slice of the weights) and then the attention (its slice of the
    // KV cache), each on its own roofline.
    const expertTokens = perExpert ? Math.max(1, (w.tokens * g.activeExperts) / g.experts) : 0;
    const denseFlops = w.tokens * (perExpert ? g.matmulFlops - g.activeExperts * g.expertFlops : g.matmulFlops);
    // Sliced experts in a GEMV pass: the experts fill the whole region, but the layer's dense part
    // (attention, norms, router, shared weights) runs on a sub-region of its own, as large as
    // pays (below), so only the expert FFN's all-reduces span the whole region.
    const split = !gemm && !perExpert && g.experts > 0;
    const Rd = split ? denseRegion(p, m, g, w.tokens, w.kvBytes, w.attnFlops, coreCompute, R) : R;
    const expertShare = split ? EXPERT_COLLECTIVES : 0;
    const mmMem = split ? g.fixedBytes / Rd / m.coreBandwidth : (g.fixedBytes + expertBytes) / R / m.coreBandwidth;
    const mmCmp = split ? (w.tokens * (g.matmulFlops - g.activeExperts * g.expertFlops)) / Rd / coreCompute : (denseFlops + (perExpert ? expertTokens * g.expertFlops * g.experts : 0)) / R / coreCompute;
    const exMem = split ? expertBytes / R / m.coreBandwidth : 0;
    const exCmp = split ? (w.tokens * g.activeExperts * g.expertFlops) / R / coreCompute : 0;
    const atMem = w.kvBytes / Rd / m.coreBandwidth;
    const atCmp = w.attnFlops / Rd / coreCompute;
    const mem = (mmMem >= mmCmp ? mmMem : 0) + (atMem >= atCmp ? atMem : 0) + (exMem >= exCmp ? exMem : 0);
    const cmp = (mmMem >= mmCmp ? 0 : mmCmp) + (atMem >= atCmp ? 0 : atCmp) + (exMem >= exCmp ? 0 : exCmp);
    // Per collective: hops x hop latency, the message (each token's slice of a hidden vector
    // over the region's side) over a mesh link, and the synchronisation.
    const bytesOut = w.tokens * p.hidden * p.activationBytesPerElement;
    const message = gemm ? 0 : bytesOut / side / m.linkBandwidth;
    const meshOne = hopsPer * m.hopLatency + message;
    const collectives = m.collectivesPerLayer + g.extraCollectives;
    const meshDense = split ? (collectives - expertShare) * (meshCollectiveHops(Rd) * m.hopLatency + bytesOut / Math.sqrt(Rd) / m.linkBandwidth) : 0;
    const meshAll = split ? meshDense + expertShare * meshOne : collectives * meshOne;
    const lat = meshAll + collectives * syncPer;
    const n = g.count;
    memory += n * mem;
    compute += n * cmp;
    mesh += n * meshAll;
    if (split && Rd < R) {
      subWork += n * ((mmMem >= mmCmp ? mmMem : mmCmp) + (atMem >= atCmp ? atMem : atCmp));
      subMesh += n * meshDense;
    }
    sync += n * collectives * syncPer;
    slowest = Math.max(slowest, mem + cmp + lat);
  }
  // Output head: one more region; a reduction for the logits and one for the arg-max.
  let head = 0;
  if (!m.layersOnly) {
    const headMem = p.headBytes / R / m.coreBandwidth;
    const headCmp = (logits * p.headFlops) / R / coreCompute;
    if (headMem >= headCmp) memory += headMem; else compute += headCmp;
    mesh += 2 * meshCollectiveHops(R) * m.hopLatency;
    sync += 2 * m.collectiveSync;
    head = Math.max(headMem, headCmp) + 2 * (meshCollectiveHops(R) * m.hopLatency + m.collectiveSync);
  }
  const oneTrip = compute + memory + mesh + sync;
  // A cycle is one pipeline stage's time: the slowest layer when every layer has its region, a
  // trip over the slots when layers share them (one region timing every layer: a whole trip).
  // Parts scale with the whole: (trip + (cycles - 1) x cycle) / trip.
  const cycle = m.pipelineSlots >= p.layers ? Math.max(slowest, head) : Math.max(slowest, oneTrip / m.pipelineSlots);
  const scale = cycles > 1 ? (oneTrip + (cycles - 1) * cycle) / oneTrip : 1;
  acc.compute += compute * scale;
  acc.memory += memory * scale;
  acc.mesh += mesh * scale;
  acc.sync += sync * scale;
  acc.subWork += subWork * scale;
  acc.subMesh += subMesh * scale;
  let t = oneTrip * scale;
  if (m.chips > 1) {
    // Activations cross every hand-off between consecutive wafers: a latency per hand-off, and
    // the bytes of every token this pass moves (a whole prompt in prefill) over the links.
    const handoff = (m.chips - 1) * (m.waferLinkLatency + (units * p.hidden * p.activationBytesPerElement) / m.scaleOutBandwidth);
    acc.interconnect += handoff;
    t += handoff;
  }
  return t;
}
