import { describe, expect, it } from "vitest";
import { capacity } from "../../src/capacity/search.js";
import { costInputs, costOf, parseOverrides } from "../../src/capacity/cost.js";
import { issuesOf } from "../helpers.js";

describe("cost and energy", () => {
  it("turns chips and output tokens/s into $ per million output tokens and J per token", () => {
    const inp = costInputs("nvidia-h200", { price: "dollarsPerChipHour=3.6", power: "chipWatts=700,hostWatts=300,pue=1.5" });
    const c = costOf(inp, 8, 10_000);
    // 8 x $3.6/h = $28.8/h = $0.008/s; / 10,000 tok/s = $0.8e-6 per token = $0.80 per million
    expect(c.dollarsPerMillionOutputTokens).toBeWithinRel(0.8, 1e-12);
    // 8 x (700 + 300) W x 1.5 = 12 kW; / 10,000 tok/s = 1.2 J per token
    expect(c.joulesPerOutputToken).toBeWithinRel(1.2, 1e-12);
    expect(c.basis).toBe("cloud");
  });

  it("owned hardware: purchase over the amortisation years plus electricity", () => {
    const inp = costInputs("cerebras-wse3", { price: "purchaseDollarsPerChip=876000,amortisationYears=1,dollarsPerKilowattHour=0.1", power: "chipWatts=10000,hostWatts=0,pue=1" });
    const c = costOf(inp, 1, 1000);
    // $876,000 / 8,760 h = $100/h, plus 10 kW x $0.1/kWh = $1/h: $101/h over 3.6M tokens/h = $28.06 per million
    expect(c.dollarsPerMillionOutputTokens).toBeWithinRel(101 / 3.6, 1e-12);
  });

  it("no price data gives null, never a guess", () => {
    const c = costOf(costInputs("nvidia-a100-80gb"), 8, 1000);
    expect(c.dollarsPerMillionOutputTokens).toBeNull();
    expect(c.joulesPerOutputToken).toBeNull();
  });

  it("refuses unknown override keys and non-physical values", () => {
    expect(issuesOf(() => parseOverrides("--price", "dollars=3"))[0]!.file).toBe("--price");
    expect(issuesOf(() => parseOverrides("--power", "pue=0.5"))[0]!.problem).toContain("PUE below 1");
  });
});

describe("capacity", () => {
  const traffic = { rate: 20, requests: 300, promptTokens: { kind: "fixed", tokens: 512 }, outputTokens: { kind: "fixed", tokens: 128 } } as const;
  it("a looser SLO never needs more chips, and every answer that meets the SLO reports p99s within it", () => {
    const tight = capacity({ model: "llama-3.1-8b", hardware: ["nvidia-h200"], traffic, slo: { ttftSeconds: 0.2, tpotSeconds: 0.008 }, breakEven: false }).options[0]!;
    const loose = capacity({ model: "llama-3.1-8b", hardware: ["nvidia-h200"], traffic, slo: { ttftSeconds: 2, tpotSeconds: 0.05 }, breakEven: false }).options[0]!;
    expect(loose.meetsSlo).toBe(true);
    expect(loose.chips).toBeLessThanOrEqual(tight.chips);
    for (const o of [tight, loose].filter((x) => x.meetsSlo)) {
      expect(o.ttftSeconds).toBeLessThanOrEqual(o === tight ? 0.2 : 2);
      expect(o.chips).toBe(o.replicas * o.chipsPerReplica);
    }
  });

  it("an SLO below a hardware's unloaded floor is not met at any size", () => {
    // a TPOT of 10 us is far below one decode step of any GPU (its step overhead alone is larger)
    const r = capacity({ model: "llama-3.1-8b", hardware: ["nvidia-h200"], traffic, slo: { ttftSeconds: 1, tpotSeconds: 10e-6 }, breakEven: false });
    expect(r.options[0]!.meetsSlo).toBe(false);
    expect(r.floors[0]!.tpotSeconds).toBeGreaterThan(10e-6);
  });
});
