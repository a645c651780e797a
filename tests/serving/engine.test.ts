import { describe, expect, it } from "vitest";
import { evaluate, prepare } from "../../src/engine/predict.js";
import { deploy, passSeconds } from "../../src/serving/engine.js";
import { runSimulation } from "../../src/serving/run.js";
import { issuesOf } from "../helpers.js";

describe("simulation against the engine", () => {
  it.each([
    ["llama-3.1-8b", "nvidia-h200", 1],
    ["gpt-oss-120b", "cerebras-wse3", 2],
  ])("at low load one request's latencies equal predict's (%s on %s)", (model, hardware, chips) => {
    const p = evaluate(prepare({ model, hardware, chips }), { batch: 1, promptTokens: 1024, outputTokens: 256 });
    const r = runSimulation({ model, hardware, chips, rate: 1, requests: 1, promptTokens: { kind: "fixed", tokens: 1024 }, outputTokens: { kind: "fixed", tokens: 256 } });
    // The prompt is one prefill pass (1,024 tokens within the 2,048-token budget): the same forward
    // pass predict times, on the deployment's layout. A serving deployment is placed once for the
    // longest context it serves, predict for this request alone: on a wafer the best region can
    // differ by a fraction of a percent of its cores, so the times agree within 1%.
    expect(r.ttftSeconds.mean).toBeWithinRel(p.ttftSeconds, 1e-2);
    // predict takes every decode step at the mid context P + floor(O / 2) = 1,152; the simulation
    // steps through contexts 1,024 .. 1,278 (mean 1,151): costs linear in context, so within 0.1%.
    expect(r.e2eSeconds.mean).toBeWithinRel(p.requestSeconds, 1e-2);
    expect(r.queueSeconds.mean).toBe(0);
  });

  it("at a saturating rate, output throughput plateaus at the engine's throughput at the largest batch", () => {
    const maxSeqs = 64;
    const pr = prepare({ model: "llama-3.1-8b", hardware: "nvidia-h200", chips: 1 });
    // Short prompts: prefill is a small share; the steady state holds maxSeqs sequences at mean context P + O/2.
    const best = evaluate(pr, { batch: maxSeqs, promptTokens: 16, outputTokens: 512 }).decode.aggregateTokensPerSecond;
    const run = (rate: number) => runSimulation({ model: "llama-3.1-8b", hardware: "nvidia-h200", chips: 1, rate, requests: 2000, maxSeqs, promptTokens: { kind: "fixed", tokens: 16 }, outputTokens: { kind: "fixed", tokens: 512 } }).throughput.outputTokensPerSecond;
    const saturated = run(1000);
    // Prefill chunks riding along and the drain at the end only lower it: at most 5% below.
    expect(saturated).toBeLessThanOrEqual(best * 1.001);
    expect(saturated).toBeGreaterThan(best * 0.95);
    // Doubling an already saturating rate stays on the same plateau.
    const doubled = run(2000);
    expect(doubled).toBeLessThanOrEqual(best * 1.001);
    expect(doubled).toBeGreaterThan(best * 0.95);
  });

  it("a mixed pass costs at least its slowest part and less than running the parts one after another", () => {
    const d = deploy(prepare({ model: "llama-3.1-8b", hardware: "nvidia-h200" }), {});
    const decode = { users: 32, newTokens: 1, cachedTokens: 2000, logitTokens: 1 };
    const chunk = { users: 1, newTokens: 512, cachedTokens: 0, logitTokens: 0 };
    const a = passSeconds(d, [decode]);
    const b = passSeconds(d, [chunk]);
    const mixed = passSeconds(d, [decode, chunk]);
    expect(mixed).toBeGreaterThanOrEqual(Math.max(a, b));
    expect(mixed).toBeLessThan(a + b);
  });

  it("the KV pool is what the engine leaves after the weights: more chips, more pool", () => {
    const pr = prepare({ model: "llama-3.1-70b", hardware: "nvidia-h200" });
    const two = deploy(pr, { chips: 2 });
    const four = deploy(pr, { chips: 4 });
    expect(four.kvPoolBytes).toBeGreaterThan(2 * two.kvPoolBytes);
    // 70B in bf16 is ~141 GB of weights: one 141 GB H200 cannot hold them
    expect(issuesOf(() => deploy(pr, { chips: 1 }))[0]!.file).toBe("--chips");
  });
});

describe("determinism", () => {
  const base = { model: "llama-3.1-8b", hardware: "nvidia-h200", rate: 8, requests: 300, promptTokens: { kind: "lognormal", mean: 800, cv: 1.5 }, outputTokens: { kind: "lognormal", mean: 200, cv: 1 } } as const;
  it("the same seed gives the same result; another seed another", () => {
    const a = JSON.stringify(runSimulation({ ...base, seed: 42 }));
    expect(JSON.stringify(runSimulation({ ...base, seed: 42 }))).toBe(a);
    expect(JSON.stringify(runSimulation({ ...base, seed: 43 }))).not.toBe(a);
  });
});
