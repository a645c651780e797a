/**
 * The engine as the serving simulator sees it (src/engine/deployment.ts): one replica's layout and
 * KV pool, and the time of any forward pass, checked against hand calculations on the synthetic
 * model with the test's parameters.
 */
import { describe, expect, it } from "vitest";
import { deploy, passSeconds } from "../../src/engine/deployment.js";
import { getParam } from "../../src/engine/parameters.js";
import { issuesOf } from "../helpers.js";
import { counts, GPU, hardware, lazy, prep, S, synthModel } from "./synthetic.js";

const c = counts(S);
const h100 = hardware("nvidia-h100-sxm");
const wse3 = hardware("cerebras-wse3");
const bw = h100.memory.bandwidth.value * GPU.memoryEfficiency;
const peak = h100.compute.bf16.value * GPU.computeEfficiency;
const weights = 2 * 617_646_080; // S in bf16

describe("deploy", () => {
  it("a GPU replica: its layout, the KV bytes of a token, and the engine's KV pool (fraction x what weights and reserve leave)", () => {
    const d = deploy(prep(synthModel(S), h100));
    expect(d).toMatchObject({ hardwareKind: "gpu", chips: 1, tensorParallel: 1, pipelineStages: 1, pipelineSlots: 1, layout: "TP1 x PP1" });
    // 8 layers x 2 kB
    expect(d.kvBytesPerToken).toBe(8 * 2048);
    expect(d.kvPoolBytes).toBeWithinRel(GPU.memoryFraction * (80e9 - weights - GPU.runtimeReserve), 1e-12);
  });

  it("a wafer replica: one wafer, a pipeline slot per layer, the SRAM the weights leave", () => {
    const d = deploy(prep(synthModel(S), wse3));
    expect(d).toMatchObject({ hardwareKind: "wafer", chips: 1, tensorParallel: 1, pipelineStages: 1, pipelineSlots: 8 });
    expect(d.layout).toMatch(/^1 wafer, [\d,]+ cores per layer$/);
    expect(d.kvBytesPerToken).toBe(8 * 2048);
    expect(d.kvPoolBytes).toBeWithinRel(wse3.memory.capacity.value - weights, 1e-12);
  });

  it("two replicas pinned to one GPU each: each replica's pool is what its own GPU leaves", () => {
    const d = deploy(prep(synthModel(S), h100, { tensorParallel: 1 }), { chips: 2 });
    expect(d).toMatchObject({ chips: 1, tensorParallel: 1, layout: "TP1 x PP1" });
    expect(d.kvPoolBytes).toBeWithinRel(GPU.memoryFraction * (80e9 - weights - GPU.runtimeReserve), 1e-12);
    // re-placed for the chips asked, the deployment keeps its own parameters (a what-if), not the set's
    expect(getParam(d.prepared.params, "stepOverhead")).toBe(GPU.stepOverhead);
    expect(getParam(d.prepared.params, "runtimeReserve")).toBe(GPU.runtimeReserve);
  });

  it("chips asked for hold several replicas: the pool is one replica's share", () => {
    // 2 GPUs for one user at 8k: the layout a runtime picks for them; the pool per replica is what
    // one replica's GPUs leave
    const d = deploy(prep(synthModel(S), h100), { chips: 2 });
    expect(d.chips).toBe(d.tensorParallel * d.pipelineStages);
    expect(d.chips).toBeLessThanOrEqual(2);
    const perGpu = d.kvPoolBytes / d.chips;
    // each GPU: 80 GB less its share of the weights and the runtime reserve, times the fraction
    expect(perGpu).toBeGreaterThan(0.5 * (80e9 - weights - 40e9));
    expect(perGpu).toBeLessThan(80e9);
  });

  it("the replica keeps the deployment's choices: weight format, width, memory fraction; the context it must hold", () => {
    // fp8 weights with TP2 on 2 GPUs and a 50% KV fraction: the pool is half of what weights and reserve leave
    const pr = prep(synthModel(S), h100, { precision: "fp8", tensorParallel: 2 });
    const d = deploy(pr, { chips: 2, memoryFraction: 0.5 });
    expect(d).toMatchObject({ chips: 2, tensorParallel: 2, pipelineStages: 1, layout: "TP2 x PP1" });
    expect(d.prepared.precision).toBe("fp8");
    expect(d.prepared.memoryFraction).toBe(0.5);
    // fp8: 8.002 bits per weight and 1-byte KV elements; per GPU half the weights, its stored reserve
    const reserve = getParam(d.prepared.params, "runtimeReserve")!;
    expect(d.kvPoolBytes).toBeWithinRel(2 * 0.5 * (80e9 - (617_646_080 * 8.002) / 8 / 2 - reserve), 1e-9);
    expect(d.kvBytesPerToken).toBe(8 * 1024);
    // a fraction asked for on the Prepared is kept when only the chips change
    expect(deploy(prep(synthModel(S), h100, { memoryFraction: 0.25 }), { chips: 1 }).prepared.memoryFraction).toBe(0.25);
    // the model's window bounds the context placed; 4,096 tokens of it on one GPU
    const short = deploy(prep(synthModel({ ...S, maxContext: 4096 }), h100), { context: 4096 });
    expect(short.chips).toBe(1);
  });

  it("a replica that cannot hold the model is bad input naming --chips", () => {
    const big = synthModel({ ...S, layers: 64, hidden: 8192, heads: 64, kvHeads: 8, intermediate: 28672 });
    const issues = issuesOf(() => deploy(prep(big, h100), { chips: 1 }));
    expect(issues[0]).toMatchObject({ file: "--chips", got: "1", expected: "more chips per replica" });
    expect(issues[0]!.problem).toMatch(/1 x nvidia-h100-sxm cannot hold the model/);
  });
});

describe("passSeconds", () => {
  const dep = lazy(() => deploy(prep(synthModel(S), h100)));
  // memory-bound decode: the weights once, every user's KV (its cache and the new token), the head
  const decode = (users: number, cached: number) => (S.layers * (c.fixedBytes + users * (cached + 1) * c.kvBytesPerToken) + c.headBytes) / bw + GPU.stepOverhead;

  it("a decode pass of one or many users, the same when asked again", () => {
    const d = dep();
    expect(passSeconds(d, [{ users: 1, newTokens: 1, cachedTokens: 1000, logitTokens: 1 }])).toBeWithinRel(decode(1, 1000), 1e-9);
    expect(passSeconds(d, [{ users: 1, newTokens: 1, cachedTokens: 1000, logitTokens: 1 }])).toBeWithinRel(decode(1, 1000), 1e-9);
    expect(passSeconds(d, [{ users: 3, newTokens: 1, cachedTokens: 1000, logitTokens: 1 }])).toBeWithinRel(decode(3, 1000), 1e-9);
    expect(passSeconds(d, [{ users: 3, newTokens: 1, cachedTokens: 2000, logitTokens: 1 }])).toBeWithinRel(decode(3, 2000), 1e-9);
    // a fractional context (a mean) is computed, not looked up
    expect(passSeconds(d, [{ users: 1, newTokens: 1, cachedTokens: 1000.5, logitTokens: 1 }])).toBeWithinRel(decode(1, 1000.5), 1e-9);
  });

  it("a prefill chunk that does not end its prompt: no logits; a pass with nothing in it: no time", () => {
    const d = dep();
    const P = 512;
    const chunk = Math.max(c.fixedBytes / bw, (P * c.matmulFlops) / peak) + Math.max((P * c.kvBytesPerToken) / bw, (((P * (P + 1)) / 2) * c.attnFlopsPerPosition) / peak);
    // the head's weights are read (its bytes) even with no logits to compute
    // a prefill pass pays the per-request overhead, not a decode step's
    const expected = S.layers * chunk + c.headBytes / bw + GPU.prefillOverhead;
    // a decode of the same user at the same cache first: the decode memo must not answer for a chunk
    expect(passSeconds(d, [{ users: 1, newTokens: 1, cachedTokens: 0, logitTokens: 1 }])).toBeWithinRel(decode(1, 0), 1e-9);
    expect(passSeconds(d, [{ users: 1, newTokens: P, cachedTokens: 0, logitTokens: 0 }])).toBeWithinRel(expected, 1e-9);
    // nor for the chunk that ends the prompt (one logit), nor a one-token chunk (none)
    expect(passSeconds(d, [{ users: 1, newTokens: P, cachedTokens: 0, logitTokens: 1 }])).toBeWithinRel(expected, 1e-9);
    expect(passSeconds(d, [{ users: 1, newTokens: 1, cachedTokens: 0, logitTokens: 0 }])).not.toBe(passSeconds(d, [{ users: 1, newTokens: 1, cachedTokens: 0, logitTokens: 1 }]));
    expect(passSeconds(d, [])).toBe(0);
  });

  it("a mixed pass reads the weights once for its decodes and its chunk", () => {
    const d = dep();
    const dec = { users: 4, newTokens: 1, cachedTokens: 1000, logitTokens: 1 };
    const chunk = { users: 1, newTokens: 64, cachedTokens: 0, logitTokens: 0 };
    const mixed = passSeconds(d, [dec, chunk]);
    // memory-bound: weights once + the decodes' KV + the chunk's 64 new KV tokens + the head; one
    // step overhead and the prefill's
    const expected = (S.layers * (c.fixedBytes + 4 * 1001 * c.kvBytesPerToken + 64 * c.kvBytesPerToken) + c.headBytes) / bw + GPU.stepOverhead + GPU.prefillOverhead;
    expect(mixed).toBeWithinRel(expected, 1e-9);
    expect(mixed).toBeLessThan(passSeconds(d, [dec]) + passSeconds(d, [chunk]));
  });
});
