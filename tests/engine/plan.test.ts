/**
 * The evaluation path's own choices (src/engine/plan.ts): the physical roofline, the layout it
 * picks for the chips asked, where a draft runs, and what it says when a point cannot run.
 */
import { describe, expect, it } from "vitest";
import { Plan } from "../../src/engine/plan.js";
import { profileModel } from "../../src/engine/profile.js";
import { counts, GPU, hardware, lazy, M, prep, run, S, synthModel, WAFER, type Shape } from "./synthetic.js";

const h100 = hardware("nvidia-h100-sxm");
const wse3 = hardware("cerebras-wse3");
const BIG: Shape = { ...S, layers: 64, hidden: 8192, heads: 64, kvHeads: 8, intermediate: 28672 };
const layout = (o: Partial<{ chips: number; replicas: number; tensorParallel: number; pipelineStages: number; regionCores: number; pipelineSlots: number; usersPerReplica: number; idleChips: number }>) => ({ chips: 1, replicas: 1, tensorParallel: 1, pipelineStages: 1, regionCores: 0, pipelineSlots: 1, usersPerReplica: 1, idleChips: 0, ...o });

describe("the physical roofline per user", () => {
  const c = counts(S);
  const bw = h100.memory.bandwidth.value;
  const peak = h100.compute.bf16.value;

  it("GPU: the bytes a step reads (weights, every user's KV, copies included) at the group's full bandwidth, or its FLOPs at peak", () => {
    const plan = new Plan(prep(synthModel(S), h100));
    // 4 users at 2,000 tokens on one GPU: memory-bound
    const bytes = S.layers * c.fixedBytes + c.headBytes + 4 * S.layers * c.kvBytesPerToken * 2000;
    expect(plan.roofline(4, 2000, layout({}))).toBeWithinRel(bw / bytes, 1e-12);
    // TP8 over 4 KV heads: 8 x the bandwidth, 2 copies of every KV byte
    const bytes8 = S.layers * c.fixedBytes + c.headBytes + 2 * 4 * S.layers * c.kvBytesPerToken * 2000;
    expect(plan.roofline(4, 2000, layout({ chips: 8, tensorParallel: 8 }))).toBeWithinRel((8 * bw) / bytes8, 1e-12);
    // two pipeline stages: a step carries users / 2 of them
    const half = S.layers * c.fixedBytes + c.headBytes + 2 * S.layers * c.kvBytesPerToken * 2000;
    expect(plan.roofline(4, 2000, layout({ chips: 2, pipelineStages: 2 }))).toBeWithinRel(bw / half, 1e-12);
    // 4,096 users at 10 tokens: compute-bound, FLOPs of the matmuls, the attention and the head
    const flops = 4096 * (S.layers * (c.matmulFlops + c.attnFlopsPerPosition * 10) + c.headFlops);
    expect(plan.roofline(4096, 10, layout({}))).toBeWithinRel(peak / flops, 1e-12);
  });

  it("wafer: one wafer's bandwidth and peak (a token crosses it layer by layer); a cycle's users share a step", () => {
    const plan = new Plan(prep(synthModel(S), wse3));
    const share = 16 / 8; // 16 users over 8 layer slots
    const bytes = S.layers * c.fixedBytes + c.headBytes + share * S.layers * c.kvBytesPerToken * 1000;
    const flops = share * (S.layers * (c.matmulFlops + c.attnFlopsPerPosition * 1000) + c.headFlops);
    const expected = Math.min(wse3.memory.bandwidth.value / bytes, wse3.compute.bf16.value / flops);
    expect(plan.roofline(16, 1000, layout({ chips: 4, pipelineStages: 4, pipelineSlots: 8, regionCores: 1000 }))).toBeWithinRel(expected, 1e-12);
  });

  it("MoE: the experts a step's tokens are expected to touch; a window caps the attention", () => {
    const m = counts(M);
    const plan = new Plan(prep(synthModel(M), h100));
    // 3 users: E (1 - (1 - k/E)^3) experts of 32 with 2 active
    const touched = 32 * (1 - (1 - 2 / 32) ** 3);
    const bytes = M.layers * (m.fixedBytes + touched * m.expertBytes) + m.headBytes + 3 * M.layers * m.kvBytesPerToken * 500;
    expect(plan.roofline(3, 500, layout({}))).toBeWithinRel(bw / bytes, 1e-12);
    // every layer attends within 256 tokens: 2 users at 10,000 tokens read 256 tokens of KV each
    const windowed = new Plan(prep(synthModel({ ...S, window: 256 }), h100));
    const capped = S.layers * c.fixedBytes + c.headBytes + 2 * S.layers * c.kvBytesPerToken * 256;
    expect(windowed.roofline(2, 10_000, layout({}))).toBeWithinRel(bw / capped, 1e-12);
  });

  it("speculation multiplies the ceiling by the tokens a verify step yields", () => {
    const plan = new Plan(prep(synthModel(S), h100));
    const plain = plan.evaluate(1, 1000, 200).roofline;
    const spec = plan.evaluate(1, 1000, 200, { draftTokens: 4, acceptance: 0.8 }).roofline;
    expect(spec / plain).toBeWithinRel((1 - 0.8 ** 5) / 0.2, 1e-9);
    // zero draft tokens is no speculation
    const none = plan.evaluate(1, 1000, 200, { draftTokens: 0, acceptance: 0.8 });
    expect(none.tokensPerStep).toBe(1);
    expect(Number.isNaN(none.tpotPlain)).toBe(true);
  });
});

describe("layouts for the chips asked", () => {
  it("wafer, 4 users on 4 CS-3: four replicas of one wafer beat one of four (a wafer carries a user per layer region, and four prompts prefill in parallel)", () => {
    const r = run(prep(synthModel(S), wse3, { chips: 4 }), 4, 1000, 200);
    expect(r.layout).toMatchObject({ chips: 4, replicas: 4, pipelineStages: 1, usersPerReplica: 1, idleChips: 0 });
    expect(r.memory.weightBytes).toBe(4 * 2 * 617_646_080);
    // five wafers asked for: the fifth stays idle
    expect(run(prep(synthModel(S), wse3, { chips: 5 }), 4, 1000, 200).layout).toMatchObject({ chips: 4, replicas: 4, idleChips: 1 });
  });

  it("wafer, one user: more wafers than the best region needs stay idle", () => {
    // S's region on one wafer (893,064 / 9 cores) is already beyond R* at 2 ns hops
    const r = run(prep(synthModel(S), wse3, { chips: 8 }), 1, 1000, 200);
    expect(r.layout).toMatchObject({ chips: 1, replicas: 1, pipelineStages: 1, idleChips: 7 });
  });

  it("wafer, a model of three wafers with more asked: more wafers per replica until each layer has its best region", () => {
    const r = run(prep(synthModel(BIG), wse3, { chips: 12 }), 1, 1000, 200);
    expect(r.layout.replicas).toBe(1);
    expect(r.layout.pipelineStages).toBeGreaterThanOrEqual(3);
    expect(r.layout.chips + r.layout.idleChips).toBe(12);
    // and it is never slower than the fewest wafers that hold it
    expect(r.tpot).toBeLessThanOrEqual(run(prep(synthModel(BIG), wse3, { chips: 3 }), 1, 1000, 200).tpot * (1 + 1e-12));
  });

  // The choice is the layout that serves a request fastest: every other layout a runtime could
  // use on these chips (each width pinned) takes at least as long.
  it.each([[1, 4], [4, 4], [16, 8]])("GPU, batch %d on %d H100: the fastest request of every tensor-parallel width", (batch, chips) => {
    const chosen = run(prep(synthModel(S), h100, { chips }), batch, 4000, 200);
    const widths = [1, 2, 4, 8].filter((tp) => tp <= chips).map((tp) => run(prep(synthModel(S), h100, { chips, tensorParallel: tp }), batch, 4000, 200));
    const fastest = Math.min(...widths.map((w) => w.requestSeconds));
    expect(chosen.requestSeconds).toBeWithinRel(fastest, 1e-12);
    const same = widths.find((w) => w.requestSeconds === fastest)!;
    expect(chosen.layout).toEqual(same.layout);
    // replicas take the chips a group leaves, at most one per user
    expect(chosen.layout.replicas).toBe(Math.min(Math.floor(chips / chosen.layout.tensorParallel), batch));
    expect(chosen.layout.usersPerReplica).toBe(Math.ceil(batch / chosen.layout.replicas));
    expect(chosen.layout.chips + chosen.layout.idleChips).toBe(chips);
  });

  it("GPU, no chips asked: the fewest that hold the model, one replica; the memory fraction asked for counts", () => {
    const big = synthModel(BIG);
    // 110.6 GB of bf16 weights: TP2 (55.3 GB each, plus the 4 GB reserve)
    expect(run(prep(big, h100), 1, 1000, 200).layout).toMatchObject({ chips: 2, tensorParallel: 2, pipelineStages: 1, replicas: 1 });
    // 16 users at 1,200 tokens: 64 layers x 4 kB x 1,200 = 315 MB each, 2.5 GB over 2 GPUs. With 90%
    // of what weights and reserve leave (18.6 GB per GPU) 2 hold them; with 5% (1.03 GB) it takes 4
    // (27.6 GB of weights each, 2.42 GB of pool against 1.26 GB of KV)
    expect(run(prep(big, h100), 16, 1000, 200).layout.chips).toBe(2);
    const tight = prep(big, h100, { memoryFraction: 0.05 });
    expect(run(tight, 1, 1000, 200).layout.chips).toBe(2);
    expect(run(tight, 16, 1000, 200).layout).toMatchObject({ chips: 4, tensorParallel: 4 });
  });
});

describe("where a draft runs", () => {
  const k = 4;
  const a = 0.8;
  const E = (1 - a ** (k + 1)) / (1 - a);

  it("a draft model on a wafer target: its own regions on one wafer, no host step, one hand-off per verify step to the target's first wafer", () => {
    const draft = synthModel({ ...S, layers: 2 }, "draft-2");
    const x = run(prep(synthModel(BIG), wse3, {}, { waferLinkLatency: 5e-6 }, draft), 1, 1000, 200, { draftTokens: k, acceptance: a });
    const y = run(prep(synthModel(BIG), wse3, {}, { waferLinkLatency: 15e-6 }, draft), 1, 1000, 200, { draftTokens: k, acceptance: a });
    expect(x.layout.pipelineStages).toBe(3);
    // the verify pass's 2 boundaries and the draft's one hand-off, each 10 us more
    expect((y.tpot - x.tpot) * E).toBeWithinRel(3 * 10e-6, 1e-9);
    expect(y.decode.draft - x.decode.draft).toBeWithinRel(10e-6, 1e-9);
  });

  it("on a one-wafer target the draft model pays no hand-off, and its steps are its layers and head on the target's region size", () => {
    const c = counts(S);
    const draft = synthModel({ ...S, layers: 2 }, "draft-2");
    const r = run(prep(synthModel(S), wse3, {}, {}, draft), 1, 1000, 200, { draftTokens: k, acceptance: a });
    expect(r.layout.pipelineStages).toBe(1);
    const R = r.layout.regionCores;
    const cores = wse3.mesh!.cores.value;
    const coreBw = (wse3.memory.bandwidth.value / cores) * WAFER.sramEfficiency;
    const coreCompute = (wse3.compute.bf16.value / cores) * WAFER.sramEfficiency;
    const link = wse3.mesh!.fabricBandwidth.value / (4 * cores);
    const side = Math.sqrt(R);
    const ctx = 1101;
    const layer = Math.max(c.fixedBytes / R / coreBw, c.matmulFlops / R / coreCompute) + Math.max((ctx * c.kvBytesPerToken) / R / coreBw, (ctx * c.attnFlopsPerPosition) / R / coreCompute)
      + WAFER.collectivesPerLayer * (side * WAFER.hopLatency + c.activationBytes / side / link + WAFER.collectiveSync);
    const head = Math.max(c.headBytes / R / coreBw, c.headFlops / R / coreCompute) + 2 * (side * WAFER.hopLatency + WAFER.collectiveSync);
    // each draft step also pays the draft overhead (picking its token, handing it on)
    expect(r.decode.draft).toBeWithinRel(k * (2 * layer + head + WAFER.draftOverhead), 1e-9);
  });

  it("a GPU draft head runs as one stage with a draft overhead, not a step's, whatever the target's stages", () => {
    const c = counts(S);
    const bw = h100.memory.bandwidth.value * GPU.memoryEfficiency;
    const r = run(prep(synthModel(S), h100, { chips: 2, tensorParallel: 1, pipelineStages: 2 }), 1, 1000, 200, { draftTokens: k, acceptance: a });
    expect(r.layout.pipelineStages).toBe(2);
    const draftStep = (c.fixedBytes + 1101 * c.kvBytesPerToken + c.headBytes) / bw + GPU.draftOverhead;
    expect(r.decode.draft).toBeWithinRel(k * draftStep, 1e-9);
  });

  it("a speculating deployment holds its draft: a draft model's weights, or the head's one layer, beside the target", () => {
    const plan = new Plan(prep(synthModel(S), h100));
    expect(plan.resident(false)).toBeUndefined();
    expect(plan.resident(true)).toMatchObject({ head: true });
    expect(plan.resident(true)!.profile.layers).toBe(1);
    const withModel = new Plan(prep(synthModel(S), h100, {}, {}, synthModel({ ...S, layers: 2 }, "draft-2")));
    expect(withModel.resident(true)).toMatchObject({ head: false });
    expect(withModel.resident(true)!.profile.layers).toBe(2);
    const plain = run(prep(synthModel(S), h100), 1, 1000, 200);
    const spec = run(prep(synthModel(S), h100), 1, 1000, 200, { draftTokens: 2, acceptance: 0.5 });
    expect(spec.memory.weightBytes - plain.memory.weightBytes).toBe(2 * (10_485_760 + 4096 + 50_331_648));
  });
});

describe("a point that cannot run", () => {
  const big = lazy(() => synthModel(BIG));

  it("beyond the context window: why, at the plan", () => {
    const pt = new Plan(prep(synthModel({ ...S, maxContext: 4096 }), h100)).evaluate(1, 4000, 97);
    expect(pt.why).toBe("prompt and output exceed the model's context window; at most 4096 tokens");
    expect(new Plan(prep(synthModel({ ...S, maxContext: 4096 }), h100)).evaluate(1, 4000, 96).why).toBe("");
  });

  it("too few GPUs: what it needs against what they hold, and the fewest that would do", () => {
    const pt = new Plan(prep(big(), h100, { chips: 1 })).evaluate(1, 10, 10);
    // 110.57 GB of weights; 1 user x 20 tokens x 64 layers x 4,096 B = 5.24 MB of KV; the 4 GB reserve
    expect(pt.why).toBe("1 x nvidia-h100-sxm cannot hold the model (111 GB weights, 5.24 MB KV cache, 4.00 GB runtime reserve against 80.0 GB)");
    expect(pt.fewestChips).toBe(2);
    expect(pt.memory.weightBytes).toBeWithinRel(2 * 55_286_177_792, 1e-12);
  });

  it("too few wafers: no runtime reserve in SRAM; no chips at all when no layout holds it", () => {
    const pt = new Plan(prep(big(), wse3, { chips: 1 })).evaluate(1, 10, 10);
    expect(pt.why).toBe("1 x cerebras-wse3 cannot hold the model (111 GB weights, 5.24 MB KV cache against 43.9 GB)");
    expect(pt.fewestChips).toBe(3);
    // a model no layout of 8 GPUs holds: one layer of 1.2 TB
    const giant = new Plan(prep(synthModel({ ...S, layers: 1, intermediate: 100_000_000 }), h100, { chips: 64 })).evaluate(1, 10, 10);
    expect(giant.why).toMatch(/^64 x nvidia-h100-sxm cannot hold the model \(1\.23 TB weights/);
    expect(giant.fewestChips).toBeUndefined();
  });

  it("a byte count names its unit, to three figures: 64.0 B, 999 B, 1.20 kB", () => {
    // one layer of width 8: attention 256 + FFN 192 + norms 16 weights, embedding and head 64 each,
    // final norm 8: 600 weights, 1,200 bytes; KV: 2 tokens x 2 x 8 x 2 bytes = 64 bytes
    const tiny = synthModel({ ...S, layers: 1, hidden: 8, heads: 1, kvHeads: 1, headDim: 8, intermediate: 8, vocab: 8 }, "tiny");
    expect(profileModel(tiny).weightBytes).toBe(1200);
    const pt = new Plan(prep(tiny, hardware("nvidia-h100-sxm", { capacity: 999 }), { chips: 1 }, { runtimeReserve: 0 })).evaluate(1, 1, 1);
    expect(pt.why).toBe("1 x nvidia-h100-sxm cannot hold the model (1.20 kB weights, 64.0 B KV cache against 999 B)");
  });
});

describe("a plan evaluated many times", () => {
  // broken: a memo answering for another point (the region curve of other wafers or users, the
  // last curve whatever the key, a machine of another layout): a reused plan then drifts from a
  // fresh one.
  it("gives every point what a fresh plan gives it, in any order (wafer and GPU, with and without chips asked)", () => {
    const points: [number, number, number][] = [[1, 1024, 256], [64, 8192, 128], [1, 32_768, 16], [512, 2048, 64], [8, 1024, 1024], [1, 1024, 256]];
    for (const pr of [prep(synthModel(BIG), wse3), prep(synthModel(BIG), wse3, { chips: 4 }), prep(synthModel(S), wse3), prep(synthModel(BIG), h100, { chips: 8 }), prep(synthModel(S), h100)]) {
      const reused = new Plan(pr);
      for (const order of [points, [...points].reverse()]) {
        for (const [b, p, o] of order) {
          const a = reused.evaluate(b, p, o);
          const fresh = new Plan(pr).evaluate(b, p, o);
          expect(a.why).toBe(fresh.why);
          if (fresh.why !== "") continue;
          expect(a.tpot, `${pr.hardware.id} ${b} x ${p}`).toBe(fresh.tpot);
          expect(a.prefillSeconds).toBe(fresh.prefillSeconds);
          expect({ ...a.layout }).toEqual({ ...fresh.layout });
        }
      }
    }
  });
});
