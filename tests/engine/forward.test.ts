/**
 * Forward passes by hand, every term: the synthetic model with the test's parameters, the layout
 * the engine chose (its region and stages are inputs to the formula), and the formulas of
 * src/engine/phases/forward.ts written out from the physics its comments state. Where
 * physics.test.ts isolates one term at a time, these add them all up, so that a changed factor
 * anywhere in a pass shows.
 */
import { describe, expect, it } from "vitest";
import { counts, GPU, hardware, M, prep, run, S, synthModel, WAFER, type Shape } from "./synthetic.js";

const wse3 = hardware("cerebras-wse3");
const h100 = hardware("nvidia-h100-sxm");
const cores = wse3.mesh!.cores.value;
/** a core's SRAM bytes/s and FLOP/s in a decode GEMV (one efficiency for both), FLOP/s in prefill */
const coreBw = (wse3.memory.bandwidth.value / cores) * WAFER.sramEfficiency;
const coreCompute = (wse3.compute.bf16.value / cores) * WAFER.sramEfficiency;
/** one mesh link: the fabric's 214 Pb/s over four links per core */
const link = wse3.mesh!.fabricBandwidth.value / (4 * cores);

/** One layer of a wafer GEMV step for `tokens` tokens attending `positions` and moving `kv` KV tokens. */
function waferLayer(sh: Shape, R: number, tokens: number, kv: number, positions: number, placement: "sliced" | "per-expert" = "sliced") {
  const c = counts(sh);
  const perExpert = placement === "per-expert" && c.experts > 0;
  const touched = c.experts > 0 ? c.experts * (1 - (1 - c.active / c.experts) ** tokens) : 0;
  const weights = c.fixedBytes + (perExpert ? c.experts : touched) * c.expertBytes;
  // per-expert: the dense part for every token, and every expert as if it ran max(1, tokens k / E) tokens
  const flops = perExpert ? tokens * (c.matmulFlops - c.active * c.expertFlops) + Math.max(1, (tokens * c.active) / c.experts) * c.expertFlops * c.experts : tokens * c.matmulFlops;
  const mm = { memory: weights / R / coreBw, compute: flops / R / coreCompute };
  const at = { memory: (kv * c.kvBytesPerToken) / R / coreBw, compute: (positions * c.attnFlopsPerPosition) / R / coreCompute };
  const side = Math.sqrt(R);
  // every all-reduce: sqrt(R) hops, each token's slice of a hidden vector over one link, a sync
  const collectives = WAFER.collectivesPerLayer + (c.experts > 0 ? 2 : 0);
  const mesh = collectives * (side * WAFER.hopLatency + (tokens * c.activationBytes) / side / link);
  const sync = collectives * WAFER.collectiveSync;
  const memory = (mm.memory >= mm.compute ? mm.memory : 0) + (at.memory >= at.compute ? at.memory : 0);
  const compute = (mm.memory >= mm.compute ? 0 : mm.compute) + (at.memory >= at.compute ? 0 : at.compute);
  return { memory, compute, mesh, sync, total: memory + compute + mesh + sync };
}

/**
 * A sliced MoE layer: every core of the region holds a slice of every expert, and the touched
 * experts' bytes and FLOPs spread over all R cores with three all-reduces across the region (up
 * and gate, down, combine); the dense part (attention, norms, router) runs on Rd cores of its own
 * with the other all-reduces, Rd between the share of the region its weights fill and R. The
 * runtime takes the Rd that is fastest: found here by brute force over a fine grid of Rd.
 */
function slicedLayer(sh: Shape, R: number, tokens: number, kv: number, positions: number) {
  const c = counts(sh);
  const touched = c.experts * (1 - (1 - c.active / c.experts) ** tokens);
  const ex = { memory: (touched * c.expertBytes) / R / coreBw, compute: (tokens * c.active * c.expertFlops) / R / coreCompute };
  const all = WAFER.collectivesPerLayer + 2;
  const across = (n: number, r: number) => n * (Math.sqrt(r) * WAFER.hopLatency + (tokens * c.activationBytes) / Math.sqrt(r) / link);
  const dense = (rd: number) => {
    const mm = Math.max(c.fixedBytes / rd / coreBw, (tokens * (c.matmulFlops - c.active * c.expertFlops)) / rd / coreCompute);
    const at = Math.max((kv * c.kvBytesPerToken) / rd / coreBw, (positions * c.attnFlopsPerPosition) / rd / coreCompute);
    return mm + at + across(all - 3, rd);
  };
  const floor = (R * c.fixedBytes) / (c.fixedBytes + c.experts * c.expertBytes);
  let best = dense(R);
  for (let i = 0; i <= 200_000; i++) best = Math.min(best, dense(floor * (R / floor) ** (i / 200_000)));
  const total = best + Math.max(ex.memory, ex.compute) + across(3, R) + all * WAFER.collectiveSync;
  return { total };
}

/** The output head's region: its weights, the logits, a reduction for the logits and one for the arg-max. */
function waferHead(sh: Shape, R: number, logits: number) {
  const c = counts(sh);
  const memory = c.headBytes / R / coreBw;
  const compute = (logits * c.headFlops) / R / coreCompute;
  const mesh = 2 * Math.sqrt(R) * WAFER.hopLatency;
  const sync = 2 * WAFER.collectiveSync;
  return { memory: memory >= compute ? memory : 0, compute: memory >= compute ? 0 : compute, mesh, sync, total: Math.max(memory, compute) + mesh + sync };
}

describe("a wafer decode step", () => {
  it("dense, one user: L layers (reads, FLOPs, all-reduces) + the head + the step overhead, by part", () => {
    const [P, O] = [1000, 200];
    const r = run(prep(synthModel(S), wse3), 1, P, O);
    const R = r.layout.regionCores;
    const ctx = P + O / 2;
    const layer = waferLayer(S, R, 1, ctx + 1, ctx + 1);
    const head = waferHead(S, R, 1);
    expect(r.tpot).toBeWithinRel(S.layers * layer.total + head.total + WAFER.stepOverhead, 1e-9);
    expect(r.decode.mesh).toBeWithinRel(S.layers * layer.mesh + head.mesh, 1e-9);
    expect(r.decode.sync).toBeWithinRel(S.layers * layer.sync + head.sync, 1e-9);
    expect(r.decode.compute + r.decode.memory).toBeWithinRel(S.layers * (layer.compute + layer.memory) + head.compute + head.memory, 1e-9);
    expect(r.decode.compute).toBeWithinRel(S.layers * layer.compute + head.compute, 1e-9);
    expect(r.decode.overhead).toBe(WAFER.stepOverhead);
    expect(r.decode.interconnect).toBe(0);
  });

  it.each(["sliced", "per-expert"] as const)("MoE (%s): two more all-reduces per layer (router top-k, combine), experts read and computed as placed", (placement) => {
    const r = run(prep(synthModel(M), wse3, { expertPlacement: placement }), 1, 1000, 200);
    const R = r.layout.regionCores;
    const layer = placement === "sliced" ? slicedLayer(M, R, 1, 1101, 1101) : waferLayer(M, R, 1, 1101, 1101, placement);
    expect(r.tpot).toBeWithinRel(M.layers * layer.total + waferHead(M, R, 1).total + WAFER.stepOverhead, 1e-9);
  });

  it("more users than layer regions: each region runs users / slots tokens per cycle (16 users, 8 regions: 2)", () => {
    const r = run(prep(synthModel(S), wse3), 16, 1000, 200);
    const R = r.layout.regionCores;
    expect(r.layout.pipelineSlots).toBe(8);
    // 2 tokens per layer per cycle, each with its own cache of 1,101 tokens
    const layer = waferLayer(S, R, 2, 2 * 1101, 2 * 1101);
    expect(r.tpot).toBeWithinRel(S.layers * layer.total + waferHead(S, R, 2).total + WAFER.stepOverhead, 1e-9);
  });

  it("a layer benchmark on a chosen region (WaferLLM): the layers alone, no head, no host step", () => {
    const r = run(prep(synthModel(S), wse3, { coresPerLayer: 10_000 }), 1, 1000, 200);
    expect(r.layout).toMatchObject({ regionCores: 10_000, pipelineSlots: 1 });
    expect(r.tpot).toBeWithinRel(S.layers * waferLayer(S, 10_000, 1, 1101, 1101).total, 1e-9);
  });
});

describe("a wafer prefill streamed token by token (GEMVs)", () => {
  it("P tokens one cycle behind each other: one trip at the prompt's middle, then P - 1 cycles of the slowest region", () => {
    // with the default test parameters (decode efficiency twice prefill's) this way beats the GEMMs
    const P = 512;
    const r = run(prep(synthModel(S), wse3), 1, P, 1);
    const R = r.layout.regionCores;
    // each token attends the cache at the middle of the prompt, floor(P / 2) = 256
    const layer = waferLayer(S, R, 1, 257, 257);
    const head = waferHead(S, R, 1);
    const trip = S.layers * layer.total + head.total;
    const expected = trip + (P - 1) * Math.max(layer.total, head.total) + WAFER.prefillOverhead; // a prefill pays the per-request overhead, not a step's
    expect(r.prefill).toBeWithinRel(expected, 1e-9);
    // the parts scale with the whole: the breakdown adds up to it
    const parts = r.prefillParts;
    expect(parts.compute + parts.memory + parts.mesh + parts.sync + parts.interconnect + parts.overhead).toBeWithinRel(expected, 1e-9);
    const scale = (expected - WAFER.prefillOverhead) / trip;
    expect(parts.mesh).toBeWithinRel((S.layers * layer.mesh + head.mesh) * scale, 1e-9);
    expect(parts.sync).toBeWithinRel((S.layers * layer.sync + head.sync) * scale, 1e-9);
  });
});

describe("GPU passes", () => {
  const bw = h100.memory.bandwidth.value * GPU.memoryEfficiency;
  const peak = h100.compute.bf16.value * GPU.computeEfficiency;
  const c = counts(S);

  it("pipeline stages split the users into micro-batches: each stage works on users / stages, and a token crosses each stage boundary", () => {
    // 4 users over 2 stages: 2 per micro-batch through every layer, and one hand-off
    const r = run(prep(synthModel(S), h100, { chips: 2, tensorParallel: 1, pipelineStages: 2 }), 4, 1000, 200);
    expect(r.layout).toMatchObject({ tensorParallel: 1, pipelineStages: 2 });
    const tokens = 2;
    const layer = Math.max(c.fixedBytes / bw, (tokens * c.matmulFlops) / peak) + Math.max((tokens * 1101 * c.kvBytesPerToken) / bw, (tokens * 1101 * c.attnFlopsPerPosition) / peak);
    const head = Math.max(c.headBytes / bw, (tokens * c.headFlops) / peak);
    const handoff = GPU.networkLatency + (tokens * c.activationBytes) / h100.interconnect.scaleOut.bandwidth.value;
    expect(r.tpot).toBeWithinRel(S.layers * layer + head + handoff + GPU.stepOverhead, 1e-9);
    expect(r.decode.interconnect).toBeWithinRel(handoff, 1e-9);
  });

  it("a tensor-parallel group wider than the KV heads holds and reads copies: TP8 over 4 KV heads reads each KV byte twice", () => {
    const r = run(prep(synthModel(S), h100, { chips: 8, tensorParallel: 8 }), 1, 30_000, 2);
    expect(r.layout.tensorParallel).toBe(8);
    const bw8 = 8 * bw;
    const peak8 = 8 * peak;
    const ctx = 30_001;
    const layer = Math.max(c.fixedBytes / bw8, c.matmulFlops / peak8) + Math.max((2 * (ctx + 1) * c.kvBytesPerToken) / bw8, ((ctx + 1) * c.attnFlopsPerPosition) / peak8);
    // two all-reduces per layer: start-up and the ring's 2 x 7/8 of one hidden vector over NVLink
    const allReduce = GPU.allReduceLatency + ((2 * 7) / 8) * c.activationBytes / 450e9;
    const expected = S.layers * (layer + 2 * allReduce) + Math.max(c.headBytes / bw8, c.headFlops / peak8) + GPU.stepOverhead;
    expect(r.tpot).toBeWithinRel(expected, 1e-9);
    expect(r.decode.sync).toBeWithinRel(S.layers * 2 * GPU.allReduceLatency, 1e-9);
    // 8 GPUs hold 2 copies of every KV byte: 2 x 8 layers x 2 kB x 30,002 tokens over them
    expect(r.memory.kvCacheBytes).toBeWithinRel(2 * S.layers * c.kvBytesPerToken * 30_002, 1e-12);
  });

  it("a prefill's parts: compute-bound matmuls, the overheads once, the breakdown adding up", () => {
    const P = 4096;
    const r = run(prep(synthModel(S), h100), 1, P, 1);
    const mm = { memory: c.fixedBytes / bw, compute: (P * c.matmulFlops) / peak };
    const at = { memory: (P * c.kvBytesPerToken) / bw, compute: (((P * (P + 1)) / 2) * c.attnFlopsPerPosition) / peak };
    const head = { memory: c.headBytes / bw, compute: c.headFlops / peak };
    // 4,096 tokens: matmuls and attention compute-bound, the head (one token's logits) memory-bound
    expect(mm.compute).toBeGreaterThan(mm.memory);
    expect(at.compute).toBeGreaterThan(at.memory);
    expect(head.memory).toBeGreaterThan(head.compute);
    expect(r.prefill).toBeWithinRel(S.layers * (mm.compute + at.compute) + head.memory + GPU.prefillOverhead, 1e-9);
    expect(r.prefillParts.compute).toBeWithinRel(S.layers * (mm.compute + at.compute), 1e-9);
    expect(r.prefillParts.memory).toBeWithinRel(head.memory, 1e-9);
    expect(r.prefillParts.overhead).toBeWithinRel(GPU.prefillOverhead, 1e-12);
  });
});
