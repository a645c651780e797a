/**
 * A full Prediction (src/engine/predict.ts): its headline figures against hand calculations on
 * the synthetic model, the warnings it raises and the error bands it carries.
 */
import { describe, expect, it } from "vitest";
import { evaluate, predict, prefillAfterCache, prepare, stackSpeculationOf, withStackDraft } from "../../src/engine/predict.js";
import { bestDraftTokens } from "../../src/engine/speculation.js";
import { Plan } from "../../src/engine/plan.js";
import { getParam, withParams } from "../../src/engine/parameters.js";
import { total } from "../../src/engine/types.js";
import { issuesOf } from "../helpers.js";
import { counts, GPU, hardware, lazy, M, prep, S, synthModel } from "./synthetic.js";

const c = counts(S);
const h100 = hardware("nvidia-h100-sxm");
const wse3 = hardware("cerebras-wse3");
const bw = h100.memory.bandwidth.value * GPU.memoryEfficiency;
const peak = h100.compute.bf16.value * GPU.computeEfficiency;
/** memory-bound decode of `users` on one H100 at `ctx` tokens of context */
const decodeStep = (users: number, ctx: number) => (S.layers * (c.fixedBytes + users * (ctx + 1) * c.kvBytesPerToken) + c.headBytes) / bw + GPU.stepOverhead;

describe("a prediction's figures", () => {
  const [batch, P, O] = [4, 2000, 301];
  const pred = lazy(() => evaluate(prep(synthModel(S), h100), { batch, promptTokens: P, outputTokens: O }));
  const tpot = decodeStep(batch, P + 150);

  it("time per token, speed per user, aggregate, request time: from one decode step and the prefill", () => {
    const p = pred();
    expect(p.workload).toEqual({ batch, promptTokens: P, outputTokens: O, decodeContextTokens: 2150 });
    expect(p.decode.timePerOutputTokenSeconds).toBeWithinRel(tpot, 1e-9);
    expect(p.decode.tokensPerSecondPerUser).toBeWithinRel(1 / tpot, 1e-9);
    expect(p.decode.aggregateTokensPerSecond).toBeWithinRel(batch / tpot, 1e-9);
    expect(p.decode.bound).toBe("memory");
    expect(p.ttftSeconds).toBe(p.prefill.seconds);
    expect(p.requestSeconds).toBeWithinRel(p.prefill.seconds + (O - 1) * tpot, 1e-9);
    expect(total(p.breakdown.decode)).toBeWithinRel(tpot, 1e-9);
    expect(p.breakdown.decode.overhead).toBeWithinRel(GPU.stepOverhead, 1e-12);
  });

  it("describes the model, hardware, placement and weight format", () => {
    const p = pred();
    expect(p.model).toMatchObject({ id: "synthetic", totalParams: 617_646_080 });
    expect(p.hardware).toMatchObject({ id: "nvidia-h100-sxm", kind: "gpu", chips: 1, tensorParallel: 1, pipelineStages: 1 });
    expect(p.hardware.coresPerLayer).toBeUndefined();
    expect(p.placement).toEqual({ layout: "TP1 x PP1", replicas: 1, usersPerReplica: 4, idleChips: 0 });
    expect([p.precision, p.precisionSource]).toEqual(["bf16", "native"]);
    expect(p.speculation).toBeNull();
    // bf16 weights, their reserve, 4 users' KV at P + O
    expect(p.memory.neededBytes).toBeWithinRel(2 * 617_646_080 + GPU.runtimeReserve + batch * S.layers * c.kvBytesPerToken * (P + O), 1e-12);
  });

  it("asked precision, wafer placement of an MoE model, a layer benchmark's region", () => {
    const fp8 = evaluate(prep(synthModel(S), h100, { precision: "fp8" }), { batch: 1, promptTokens: 10, outputTokens: 10 });
    expect([fp8.precision, fp8.precisionSource]).toEqual(["fp8", "asked"]);
    const moe = evaluate(prep(synthModel(M), wse3, { expertPlacement: "per-expert" }), { batch: 1, promptTokens: 10, outputTokens: 10 });
    expect(moe.placement.expertPlacement).toBe("per-expert");
    expect(moe.placement.regionCores).toBeGreaterThan(0);
    const dense = evaluate(prep(synthModel(S), wse3), { batch: 1, promptTokens: 10, outputTokens: 10 });
    expect(dense.placement.expertPlacement).toBeUndefined();
    expect(dense.placement.layout).toMatch(/^1 wafer, [\d,]+ cores per layer$/);
    const grid = evaluate(prep(synthModel(S), wse3, { coresPerLayer: 10_000 }), { batch: 1, promptTokens: 10, outputTokens: 10 });
    expect(grid.hardware.coresPerLayer).toBe(10_000);
    expect(grid.placement.regionCores).toBe(10_000);
  });

  it("the weight format of most bytes: gpt-oss-120b's mxfp4 experts outweigh its bf16 attention", () => {
    // 114.7 B expert weights x 4.25 bits = 487 Gbit against 2.1 B others x 16 bits = 34 Gbit
    const p = predict({ model: "gpt-oss-120b", hardware: "nvidia-h200" });
    expect(p.precision).toBe("fp4");
    expect(p.weightFormat).toEqual({ default: "bf16", experts: "fp4" });
  });
});

describe("speculation in a prediction", () => {
  it("names the draft, its tokens per step and the speed without it", () => {
    const p = evaluate(prep(synthModel(S), h100), { batch: 1, promptTokens: 1000, outputTokens: 200 }, { draftTokens: 4, acceptance: 0.8 });
    expect(p.speculation).toMatchObject({ draftTokens: 4, acceptance: 0.8, draft: "one-layer draft head" });
    expect(p.speculation!.tokensPerStep).toBeWithinRel((1 - 0.8 ** 5) / 0.2, 1e-12);
    expect(p.speculation!.plainTokensPerSecondPerUser).toBeWithinRel(1 / decodeStep(1, 1100), 1e-9);
    // the breakdown is per output token: the step's parts over its tokens
    expect(total(p.breakdown.decode)).toBeWithinRel(p.decode.timePerOutputTokenSeconds, 1e-9);
    expect(p.warnings.map((w) => w.code)).not.toContain("speculation-slower");
    const draftModel = evaluate(prep(synthModel(S), h100, {}, {}, synthModel({ ...S, layers: 2 }, "draft-2")), { batch: 1, promptTokens: 1000, outputTokens: 200 }, { draftTokens: 4, acceptance: 0.8 });
    expect(draftModel.speculation!.draft).toBe("draft-2");
  });

  it("warns when speculation is slower than none: nothing accepted, eight draft steps paid", () => {
    const p = evaluate(prep(synthModel(S), h100), { batch: 1, promptTokens: 1000, outputTokens: 200 }, { draftTokens: 8, acceptance: 0 });
    const w = p.warnings.find((x) => x.code === "speculation-slower")!;
    expect(w.message).toMatch(/^speculation is slower than none here: \d+ against \d+ tok\/s per user without it \(draft cost [\d.]+ us per token; acceptance 0, 8 draft tokens\)$/);
  });

  // Tokens per step over the cost of a step with k drafts, by hand (as in physics.test.ts): the
  // verify pass reads the weights once and k + 1 tokens of KV; each draft-head step one layer and
  // the head. At acceptance 0.9 the best length is where another draft no longer pays.
  it("the best draft length is the one that decodes fastest, and none when nothing is accepted", () => {
    const ctx = 1100;
    const tpot = (k: number, a: number) => {
      const verify = (S.layers * (c.fixedBytes + (ctx + k + 1) * c.kvBytesPerToken) + c.headBytes) / bw + GPU.stepOverhead;
      // a draft-head step: its layer and the head, and the draft overhead (sampling, handing on)
      const draft = (c.fixedBytes + (ctx + 1) * c.kvBytesPerToken + c.headBytes) / bw + GPU.draftOverhead;
      return (verify + k * draft) / ((1 - a ** (k + 1)) / (1 - a));
    };
    const plan = new Plan(prep(synthModel(S), h100));
    const ks = [1, 2, 3, 4, 5, 6, 7, 8];
    const best = ks.reduce((b, k) => (tpot(k, 0.9) < tpot(b, 0.9) ? k : b), 1);
    expect(best).toBeGreaterThan(1);
    expect(best).toBeLessThan(8);
    expect(bestDraftTokens(plan, 1, 1000, 200, 0.9)).toBe(best);
    expect(bestDraftTokens(plan, 1, 1000, 200, 0.9, 3)).toBe(Math.min(best, 3));
    expect(bestDraftTokens(plan, 1, 1000, 200, 0)).toBe(0);
  });

  it("the stack's declared speculation: its draft model, the fitted acceptance, the best length", () => {
    const p = predict({ model: "llama-3.1-70b", hardware: "cerebras-wse3", stackSpeculation: true });
    const pr = prepare({ model: "llama-3.1-70b", hardware: "cerebras-wse3" });
    expect(pr.parameterSet.speculation?.draft).toBe("llama-3.2-1b");
    expect(p.speculation?.draft).toBe("llama-3.2-1b");
    expect(p.speculation?.acceptance).toBe(getParam(pr.params, "speculationAcceptance"));
    expect(p.speculation?.draftTokens).toBeGreaterThanOrEqual(1);
  });
});

describe("warnings", () => {
  it("a weight format the hardware has no compute for: weight-only kernels assumed", () => {
    // the A100 has bf16 and int8 tensor cores, no fp8
    const p = predict({ model: "llama-3.1-8b", hardware: "nvidia-a100-80gb", precision: "fp8" });
    expect(p.warnings.find((w) => w.code === "no-native-format")?.message).toBe("nvidia-a100-80gb has no fp8 compute: fp8 weights are assumed to run as weight-only kernels (read at 8.002 bits per weight, computed at its bf16 peak)");
    expect(predict({ model: "llama-3.1-8b", hardware: "nvidia-h100-sxm", precision: "fp8" }).warnings.map((w) => w.code)).not.toContain("no-native-format");
  });

  it("a parameter no reference of the set identifies: named when the result rests on it, and its range widens the band", () => {
    // gpt-fast's references are all 16-bit decode without speculation: nothing identifies its compute
    // efficiencies, prefill overhead or draft overhead; a bf16 request rests on two of them
    const pr = prepare({ model: "llama-2-7b", hardware: "nvidia-a100-80gb", software: "gpt-fast" });
    expect(pr.parameterSet.provenance.unidentified).toEqual(["computeEfficiency", "lowPrecisionEfficiency", "allReduceEfficiency", "prefillOverhead", "draftOverhead"]);
    const p = evaluate(pr, { batch: 1, promptTokens: 2000, outputTokens: 100 });
    const named = p.warnings.filter((w) => w.code === "unidentified-parameter").map((w) => w.message.split(" ")[4]);
    expect(named).toEqual(["computeEfficiency,", "prefillOverhead,"]);
    expect(p.uncertainty["prefill.seconds"]!.assumed).toEqual(["computeEfficiency", "prefillOverhead"]);
  });

  it("a metric's band names only the assumed parameters that move it: batch-1 decode rests on neither", () => {
    const pr = prepare({ model: "llama-2-7b", hardware: "nvidia-a100-80gb", software: "gpt-fast" });
    const p = evaluate(pr, { batch: 1, promptTokens: 2000, outputTokens: 100 });
    // memory-bound decode at batch 1 and a step without prefill: neither parameter, anywhere in its
    // range, moves it by 1%
    for (const [name, ends] of [["computeEfficiency", [0.05, 1]], ["prefillOverhead", [1e-6, 50e-3]]] as const) {
      for (const v of ends) {
        const q = new Plan({ ...pr, params: withParams(pr.params, { [name]: v }) }).evaluate(1, 2000, 100);
        expect(Math.abs(q.tpot / p.decode.timePerOutputTokenSeconds - 1), `${name} = ${v}`).toBeLessThan(0.01);
      }
    }
    expect(p.uncertainty["decode.timePerOutputTokenSeconds"]!.assumed).toEqual([]);
  });
});

describe("error bands of a prediction", () => {
  const w = { batch: 8, promptTokens: 1024, outputTokens: 256 };
  const pred = lazy(() => predict({ model: "llama-3.1-8b", hardware: "nvidia-h100-sxm", ...w }));

  it("every headline metric has one, around its value", () => {
    const p = pred();
    const value: Record<string, number> = {
      "decode.tokensPerSecondPerUser": p.decode.tokensPerSecondPerUser, "decode.timePerOutputTokenSeconds": p.decode.timePerOutputTokenSeconds,
      "decode.aggregateTokensPerSecond": p.decode.aggregateTokensPerSecond, "prefill.seconds": p.prefill.seconds, ttftSeconds: p.ttftSeconds, requestSeconds: p.requestSeconds,
    };
    expect(Object.keys(p.uncertainty).sort()).toEqual(Object.keys(value).sort());
    for (const [k, v] of Object.entries(value)) {
      expect(p.uncertainty[k]!.low, k).toBeLessThan(v);
      expect(p.uncertainty[k]!.high, k).toBeGreaterThan(v);
    }
  });

  it("speeds are the time per token's band inverted; the request's adds prefill's and the tokens' (fully correlated)", () => {
    const p = pred();
    const t = p.uncertainty["decode.timePerOutputTokenSeconds"]!;
    // inverted, to rounding
    expect(p.uncertainty["decode.tokensPerSecondPerUser"]!.low).toBeWithinRel(1 / t.high, 1e-14);
    expect(p.uncertainty["decode.tokensPerSecondPerUser"]!.high).toBeWithinRel(1 / t.low, 1e-14);
    expect(p.uncertainty["decode.aggregateTokensPerSecond"]!.low).toBeWithinRel(w.batch / t.high, 1e-14);
    expect(p.uncertainty["decode.aggregateTokensPerSecond"]!.high).toBeWithinRel(w.batch / t.low, 1e-14);
    const b = p.uncertainty["prefill.seconds"]!;
    expect(p.uncertainty["ttftSeconds"]).toEqual(b);
    expect(p.uncertainty["requestSeconds"]!.low).toBeWithinRel(b.low + 255 * t.low, 1e-12);
    expect(p.uncertainty["requestSeconds"]!.high).toBeWithinRel(b.high + 255 * t.high, 1e-12);
    expect(p.uncertainty["requestSeconds"]!.basis).toBe("the prefill and time-per-token bands added (taken as fully correlated)");
    expect(t.basis).toMatch(/^80% band from the leave-one-out errors of the tensorrt-llm set's decode references/);
  });
});

describe("prefill after a prompt-cache hit", () => {
  it("the new tokens' matmuls, attention over the cache and themselves, the cache's KV read", () => {
    const pr = prep(synthModel(S), h100);
    const [N, C] = [1000, 3000];
    // N new tokens after C cached: matmuls for N; KV of C + N moved; N x C + N (N + 1) / 2 positions
    const layer = Math.max(c.fixedBytes / bw, (N * c.matmulFlops) / peak) + Math.max(((C + N) * c.kvBytesPerToken) / bw, ((N * C + (N * (N + 1)) / 2) * c.attnFlopsPerPosition) / peak);
    const expected = S.layers * layer + Math.max(c.headBytes / bw, c.headFlops / peak) + GPU.prefillOverhead; // a prefill pays the per-request overhead, not a step's
    expect(prefillAfterCache(pr, 1, N, C)).toBeWithinRel(expected, 1e-9);
  });

  it("refuses a context beyond the window and a batch the chips cannot hold", () => {
    const small = prep(synthModel({ ...S, maxContext: 4096 }), h100);
    expect(issuesOf(() => prefillAfterCache(small, 1, 100, 4000))[0]).toMatchObject({ path: "max_position_embeddings" });
    const one = prep(synthModel(S), h100, { chips: 1 });
    // 10,000 users x 8 layers x 2 kB x 4,000 tokens = 655 GB of KV on one 80 GB GPU
    const issue = issuesOf(() => prefillAfterCache(one, 10_000, 1000, 3000))[0]!;
    expect(issue).toMatchObject({ file: "--chips", got: "1" });
    expect(issue.problem).toMatch(/^1 x nvidia-h100-sxm cannot hold the model \([\d.]+ GB weights, [\d.]+ [TG]B KV cache, 4.00 GB runtime reserve against 80.0 GB\)$/);
  });
});

describe("a deployment that cannot run", () => {
  it("no layout of the hardware holds a layer larger than 8 GPUs together: bad input naming the model", () => {
    // one layer with a 100 M-wide FFN: 3 x 2048 x 1e8 x 2 bytes = 1.2 TB, more than 8 x 80 GB
    const giant = synthModel({ ...S, layers: 1, intermediate: 100_000_000 }, "giant");
    const issue = issuesOf(() => evaluate(prep(giant, h100), { batch: 1, promptTokens: 10, outputTokens: 10 }))[0]!;
    expect(issue).toMatchObject({ file: "--model", expected: "more chips, a smaller batch or context, or a narrower weight format" });
    expect(issue.problem).toMatch(/^no layout of nvidia-h100-sxm holds the model/);
  });

  it("too few chips asked: the fewest that hold it", () => {
    const big = synthModel({ ...S, layers: 64, hidden: 8192, heads: 64, kvHeads: 8, intermediate: 28672 }, "big");
    // 110 GB of bf16 weights and 4 GB reserve per GPU: 2 H100s
    const issue = issuesOf(() => evaluate(prep(big, h100, { chips: 1 }), { batch: 1, promptTokens: 10, outputTokens: 10 }))[0]!;
    expect(issue).toMatchObject({ file: "--chips", got: "1", expected: "at least 2 chips for this batch and context" });
  });
});

describe("the band of a parameter no reference identifies", () => {
  it("spans the prediction with the parameter anywhere in its physical range", () => {
    const pr = prepare({ model: "llama-2-7b", hardware: "nvidia-a100-80gb", software: "gpt-fast" });
    const w = { batch: 1, promptTokens: 2000, outputTokens: 100 };
    const p = evaluate(pr, w);
    // prefill is compute-bound: at 5% of peak it is slowest, at 100% fastest
    const at = (v: number) => new Plan({ ...pr, params: withParams(pr.params, { computeEfficiency: v }) }).evaluate(w.batch, w.promptTokens, w.outputTokens).prefillSeconds;
    const band = p.uncertainty["prefill.seconds"]!;
    expect(at(0.05)).toBeGreaterThan(2 * p.prefill.seconds);
    expect(band.high).toBeGreaterThanOrEqual(at(0.05));
    expect(band.low).toBeLessThanOrEqual(at(1));
    expect(band.low).toBeLessThan(p.prefill.seconds);
  });
});

describe("the speculation a software set declares", () => {
  const withDeclared = (draft: string, draftTokens: number | "best") => {
    const pr = prep(synthModel(S), h100, { chips: 4, tensorParallel: 2, pipelineStages: 1, memoryFraction: 0.5, precision: "fp8" }, { speculationAcceptance: 0.7 });
    return { ...pr, parameterSet: { ...pr.parameterSet, speculation: { draft, draftTokens, source: "test" } } };
  };

  it("a declared length is used as it is, 'best' as a runtime would tune it, at the set's acceptance", () => {
    expect(stackSpeculationOf(withDeclared("head", 3), { batch: 1, promptTokens: 1000, outputTokens: 200 })).toEqual({ draftTokens: 3, acceptance: 0.7 });
    const best = stackSpeculationOf(withDeclared("head", "best"), { batch: 1, promptTokens: 1000, outputTokens: 200 })!;
    expect(best.acceptance).toBe(0.7);
    expect(best.draftTokens).toBe(bestDraftTokens(new Plan(withDeclared("head", "best")), 1, 1000, 200, 0.7));
    // no length pays when nothing is accepted: no speculation
    const none = withDeclared("head", "best");
    expect(stackSpeculationOf({ ...none, params: withParams(none.params, { speculationAcceptance: 0 }) }, { batch: 1, promptTokens: 1000, outputTokens: 200 })).toBeUndefined();
  });

  it("a declared draft model is loaded beside the target with the target's options; a head or a draft already there is kept", () => {
    const pr = withStackDraft(withDeclared("llama-3.2-1b", 2));
    expect(pr.draft?.model.id).toBe("llama-3.2-1b");
    expect(pr).toMatchObject({ chipsAsked: 4, tensorParallel: 2, pipelineStages: 1, memoryFraction: 0.5, precision: "fp8", expertPlacement: "sliced" });
    expect(pr.model.id).toBe("synthetic");
    const head = withDeclared("head", 2);
    expect(withStackDraft(head)).toBe(head);
    const already = prep(synthModel(S), h100, {}, {}, synthModel({ ...S, layers: 2 }, "draft-2"));
    const declared = { ...already, parameterSet: { ...already.parameterSet, speculation: { draft: "llama-3.2-1b", draftTokens: 2 as const, source: "test" } } };
    expect(withStackDraft(declared)).toBe(declared);
    const wafer = prep(synthModel(S), wse3, { coresPerLayer: 10_000 });
    const waferDeclared = withStackDraft({ ...wafer, parameterSet: { ...wafer.parameterSet, speculation: { draft: "llama-3.2-1b", draftTokens: 2, source: "test" } } });
    expect(waferDeclared.coresPerLayer).toBe(10_000);
  });
});
