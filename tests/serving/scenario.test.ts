import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/scenario/load.js";
import { makePlan } from "../../src/scenario/plan.js";
import { runSimulation } from "../../src/serving/run.js";
import { issuesOf, tempFile } from "../helpers.js";

describe("simulate: and capacity: sections in scenarios", () => {
  it("a swept simulate field gives one simulation per point, equal to wafersim simulate's", async () => {
    const f = tempFile("s.yaml", "model: llama-3.1-8b\nhardware: nvidia-h200\nchips: 1\nsimulate:\n  requests: 200\n  promptTokens: 512\n  outputTokens: \"lognormal:mean=100,cv=1\"\n  slo: ttft=1s,tpot=20ms\nsweep:\n  simulate.rate: {from: 2, to: 8, steps: 3, scale: log}\n");
    const plan = await makePlan(loadScenario(f));
    expect(plan.kind).toBe("serving");
    expect(plan.total).toBe(3);
    const p = plan.point(2);
    const direct = runSimulation({ model: "llama-3.1-8b", hardware: "nvidia-h200", chips: 1, rate: 8, requests: 200, promptTokens: { kind: "fixed", tokens: 512 }, outputTokens: { kind: "lognormal", mean: 100, cv: 1 }, slo: { ttftSeconds: 1, tpotSeconds: 0.02 } });
    expect(p.metrics["simulate.ttftSeconds.p99"]).toBe(direct.ttftSeconds.p99);
    expect(p.metrics["simulate.goodput.share"]).toBe(direct.goodput.share);
  });

  it("bad section fields are named with the file and key, before any point runs", () => {
    const f = tempFile("b.yaml", "model: llama-3.1-8b\nhardware: nvidia-h200\nsimulate:\n  rate: -1\n  colour: blue\n");
    expect(issuesOf(() => loadScenario(f)).map((i) => i.path)).toEqual(["simulate.rate", "simulate.colour"]);
    const both = tempFile("c.yaml", "model: llama-3.1-8b\nhardware: nvidia-h200\nsimulate: {rate: 1}\nsweep:\n  capacity.rate: [1]\n");
    expect(issuesOf(() => loadScenario(both))[0]!.problem).toBe("simulate and capacity in one scenario");
  });
});
