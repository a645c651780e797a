/**
 * Invariants users rely on, checked over whole input ranges with fast-check: a fixed seed, so a
 * failure reproduces; PROPERTY_RUNS=2000 (and PROPERTY_SEED=<n> for another sample) for a deeper
 * search, 50 runs each keep `npm test` quick.
 *
 * The engine chooses a layout per point (src/engine/plan.ts: the one that serves one request
 * fastest, prefill plus the output at the mean decode step). A change that makes every layout
 * faster or equal can make the point take another layout, which may decode slower and prefill
 * faster. So each property says what it compares:
 * - `requestSeconds` of the chosen layout: the quantity the choice minimises, so it is monotone
 *   whenever the change is monotone on every layout;
 * - decode or prefill on the same layout (both points took it): each op's time is monotone there.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Hardware } from "../../src/hardware/types.js";
import { loadModel } from "../../src/model/load.js";
import type { Model } from "../../src/model/types.js";
import { defOf, withParams, type ParamName } from "../../src/engine/parameters.js";
import { Plan } from "../../src/engine/plan.js";
import { evaluate, prepareFrom } from "../../src/engine/predict.js";
import type { Layout } from "../../src/engine/placement.js";
import type { Prepared } from "../../src/engine/prepare.js";
import { total } from "../../src/engine/types.js";
import { counts, GPU, hardware, lazy, prep, S, synthModel, WAFER, type Shape } from "./synthetic.js";

const runs = { numRuns: Number(process.env["PROPERTY_RUNS"] ?? 50), seed: Number(process.env["PROPERTY_SEED"] ?? 20260101) };

const MODELS = ["llama-3.1-8b", "qwen3-32b", "gpt-oss-120b", "qwen3-235b-a22b"];
const models = lazy((): Model[] => MODELS.map((id) => loadModel(id)));
const gear: Hardware[] = ["nvidia-h100-sxm", "nvidia-h200", "nvidia-b200", "cerebras-wse3"].map((id) => hardware(id));

// within the smallest context window of the models above (Qwen3: 40,960 tokens)
const workload = fc.record({
  batch: fc.integer({ min: 1, max: 128 }),
  promptTokens: fc.integer({ min: 1, max: 32_000 }),
  outputTokens: fc.integer({ min: 1, max: 4_000 }),
});
type W = { batch: number; promptTokens: number; outputTokens: number };
const choice = fc.record({ m: fc.integer({ min: 0, max: MODELS.length - 1 }), h: fc.integer({ min: 0, max: gear.length - 1 }) });

/** One point's figures, copied out of the plan (undefined when the deployment cannot run it). */
function at(pr: Prepared, w: W, spec?: { draftTokens: number; acceptance: number }) {
  const pt = new Plan(pr).evaluate(w.batch, w.promptTokens, w.outputTokens, spec);
  if (pt.why !== "") return undefined;
  return {
    tpot: pt.tpot, prefill: pt.prefillSeconds, request: pt.prefillSeconds + (w.outputTokens - 1) * pt.tpot,
    aggregate: pt.aggregate, layout: shapeOf(pt.layout), chips: pt.layout.chips,
  };
}

/** A layout without its users per replica (which follow the batch): chips and how they are used. */
function shapeOf(l: Layout): string {
  return `${l.chips} chips, ${l.replicas} x (TP${l.tensorParallel} x PP${l.pipelineStages}), region ${l.regionCores} cores, ${l.pipelineSlots} slots, ${l.idleChips} idle`;
}

/**
 * Counts the runs where a same-layout comparison was made, so that a property whose layouts
 * always differ fails instead of passing with nothing compared.
 */
function compared() {
  let n = 0;
  return {
    /** runs `check` when both points took the same layout */
    onSameLayout: (a: { layout: string }, b: { layout: string }, check: () => void) => {
      if (a.layout !== b.layout) return;
      n++;
      check();
    },
    atLeast: (share: number) => expect(n, "same-layout comparisons made").toBeGreaterThanOrEqual(Math.ceil(share * runs.numRuns)),
  };
}

/** The chips the more demanding side needs, so both sides of a comparison have the same chips. */
function chipsFor(model: Model, h: Hardware, w: W): number {
  return evaluate(prepareFrom(model, h, {}), w).hardware.chips;
}

function withScaled(h: Hardware, what: "bandwidth" | "compute", f: number): Hardware {
  return hardware(h.id, what === "bandwidth" ? { bandwidth: h.memory.bandwidth.value * f } : { compute: h.compute.bf16.value * f });
}

const up = (a: number, b: number) => b >= a * (1 - 1e-12);

describe("bounds and bookkeeping", () => {
  it("no prediction beats the physical roofline of its hardware", () => {
    fc.assert(fc.property(choice, workload, (c, w) => {
      const p = evaluate(prepareFrom(models()[c.m]!, gear[c.h]!, {}), w);
      expect(p.decode.tokensPerSecondPerUser).toBeLessThanOrEqual(p.decode.rooflineTokensPerSecondPerUser * (1 + 1e-9));
    }), runs);
  });

  it("breakdown parts sum to the total", () => {
    fc.assert(fc.property(choice, workload, (c, w) => {
      const p = evaluate(prepareFrom(models()[c.m]!, gear[c.h]!, {}), w);
      expect(total(p.breakdown.decode)).toBeWithinRel(p.decode.timePerOutputTokenSeconds, 1e-9);
      expect(total(p.breakdown.prefill)).toBeWithinRel(p.prefill.seconds, 1e-9);
    }), runs);
  });
});

describe("faster hardware, slower parameters", () => {
  it("more memory bandwidth or compute is never slower: request time; decode and prefill on the same layout", () => {
    const same = compared();
    fc.assert(fc.property(choice, workload, fc.constantFrom("bandwidth" as const, "compute" as const), fc.double({ min: 1, max: 4, noNaN: true }), (c, w, what, f) => {
      const model = models()[c.m]!;
      const h = gear[c.h]!;
      const chips = chipsFor(model, h, w);
      const a = at(prepareFrom(model, h, { chips }), w)!;
      const b = at(prepareFrom(model, withScaled(h, what, f), { chips }), w)!;
      expect(b.request).toBeLessThanOrEqual(a.request * (1 + 1e-12));
      same.onSameLayout(b, a, () => {
        expect(b.tpot).toBeLessThanOrEqual(a.tpot * (1 + 1e-12));
        expect(b.prefill).toBeLessThanOrEqual(a.prefill * (1 + 1e-12));
      });
    }), runs);
    same.atLeast(0.5);
  });

  // Latencies and overheads a fit could set anywhere in their physical range: the property holds
  // for every value there, not only the stored ones.
  const slower: Record<"wafer" | "gpu", ParamName[]> = {
    wafer: ["hopLatency", "collectiveSync", "stepOverhead", "prefillOverhead", "waferLinkLatency"],
    gpu: ["allReduceLatency", "stepOverhead", "prefillOverhead", "networkLatency"],
  };
  it("a larger hop latency, sync time, step overhead, hand-off or all-reduce latency is never faster: request time; decode and prefill on the same layout", () => {
    const same = compared();
    fc.assert(fc.property(choice, workload, fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 4 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 1, max: 10, noNaN: true }), (c, w, chips, which, where, f) => {
      const h = gear[c.h]!;
      const name = slower[h.kind][which % slower[h.kind].length]!;
      const [lo, hi] = defOf(h.kind, name)!.bounds;
      const value = lo * Math.pow(hi / lo, where);
      const base = prepareFrom(models()[c.m]!, h, { chips });
      const pr = (v: number): Prepared => ({ ...base, params: withParams(base.params, { [name]: v }) });
      const a = at(pr(value), w);
      fc.pre(a !== undefined);
      const b = at(pr(value * f), w)!;
      expect(up(a!.request, b.request), `${name}: request ${a!.request} -> ${b.request}`).toBe(true);
      same.onSameLayout(a!, b, () => {
        expect(up(a!.tpot, b.tpot), `${name}: tpot`).toBe(true);
        expect(up(a!.prefill, b.prefill), `${name}: prefill`).toBe(true);
      });
    }), runs);
    same.atLeast(0.5);
  });
});

describe("workload", () => {
  // Layouts compared: the chosen ones by request time, and decode on the same layout. (Time per
  // token across layouts is not monotone: with the chips a larger batch needs, a smaller one may
  // take a layout that prefills faster and decodes slower, e.g. qwen3-32b on CS-3 at 23 users.)
  it("a longer context or a larger batch is never faster per user: request time; decode on the same layout", () => {
    const same = compared();
    fc.assert(fc.property(choice, workload, fc.integer({ min: 1, max: 8 }), (c, w, grow) => {
      const big = { ...w, batch: w.batch * grow, promptTokens: w.promptTokens * grow };
      const model = models()[c.m]!;
      fc.pre(big.promptTokens + big.outputTokens <= (model.arch.maxContext ?? Infinity));
      const h = gear[c.h]!;
      const chips = chipsFor(model, h, big);
      const a = at(prepareFrom(model, h, { chips }), w)!;
      const b = at(prepareFrom(model, h, { chips }), big)!;
      expect(b.request).toBeGreaterThanOrEqual(a.request * (1 - 1e-12));
      same.onSameLayout(a, b, () => {
        expect(b.tpot).toBeGreaterThanOrEqual(a.tpot * (1 - 1e-12));
      });
    }), runs);
    same.atLeast(0.3);
  });

  // Layouts compared: the same one (a longer prompt can need more chips, which prefill faster).
  it("prefill grows with the prompt: strictly, on the same layout", () => {
    const same = compared();
    fc.assert(fc.property(choice, workload, fc.integer({ min: 1, max: 8_000 }), (c, w, more) => {
      const model = models()[c.m]!;
      const h = gear[c.h]!;
      const longer = { ...w, promptTokens: w.promptTokens + more };
      fc.pre(longer.promptTokens + longer.outputTokens <= (model.arch.maxContext ?? Infinity));
      const pr = prepareFrom(model, h, { chips: chipsFor(model, h, longer) });
      const a = at(pr, w)!;
      const b = at(pr, longer)!;
      same.onSameLayout(a, b, () => {
        expect(b.prefill).toBeGreaterThan(a.prefill);
      });
    }), runs);
    same.atLeast(0.3);
  });

  // Layouts compared: the same one at both batches, one replica (the fewest chips that hold the
  // model: more users may need more). Aggregate throughput is batch / time per token.
  it("aggregate throughput never falls as the batch grows on one replica while it fits", () => {
    const same = compared();
    fc.assert(fc.property(choice, workload, fc.integer({ min: 1, max: 64 }), (c, w, more) => {
      const pr = prepareFrom(models()[c.m]!, gear[c.h]!, {});
      const a = at(pr, w)!;
      const b = at(pr, { ...w, batch: w.batch + more })!;
      same.onSameLayout(a, b, () => {
        expect(b.aggregate).toBeGreaterThanOrEqual(a.aggregate * (1 - 1e-12));
      });
    }), runs);
    same.atLeast(0.3);
  });

  // Replicas serve separate users: with 21 users on 2 replicas, one serves 11 and the other 10,
  // and the aggregate is 11 / t(11) + 10 / t(10) > 20 / t(10) (each replica's time per token
  // grows with its own users only). Memory-bound at a 30k context: t(u) = weights + u x KV.
  it("aggregate throughput never falls as the batch grows when replicas share it unevenly (2 replicas, 20 -> 21 users)", () => {
    const pr = prep(synthModel(S), hardware("nvidia-h100-sxm"), { chips: 2, tensorParallel: 1 });
    const twenty = at(pr, { batch: 20, promptTokens: 30_000, outputTokens: 2 })!;
    const twentyOne = at(pr, { batch: 21, promptTokens: 30_000, outputTokens: 2 })!;
    expect(twentyOne.layout).toContain("2 x (TP1 x PP1)");
    expect(twentyOne.aggregate).toBeGreaterThanOrEqual(twenty.aggregate);
  });

  it("tokens/s per user rises with the speculative acceptance (same draft length, same layout)", () => {
    fc.assert(fc.property(choice, workload, fc.integer({ min: 1, max: 8 }), fc.double({ min: 0, max: 0.95, noNaN: true }), fc.double({ min: 0.01, max: 0.5, noNaN: true }), (c, w, k, a, more) => {
      const model = models()[c.m]!;
      const h = gear[c.h]!;
      const pr = prepareFrom(model, h, { chips: chipsFor(model, h, w) });
      const lo = at(pr, w, { draftTokens: k, acceptance: a });
      fc.pre(lo !== undefined);
      const hi = at(pr, w, { draftTokens: k, acceptance: Math.min(1, a + more) })!;
      // placement does not depend on the acceptance
      expect(hi.layout).toBe(lo!.layout);
      expect(1 / hi.tpot).toBeGreaterThan(1 / lo!.tpot);
    }), runs);
  });
});

describe("chips", () => {
  // Layouts compared: the chosen ones. At batch 1 every layout of n chips is also one of n + k
  // (more wafers per replica, a wider group, or idle chips), and the choice minimises request time.
  it("asking for more chips never makes a model stop fitting and, at batch 1, never makes a request slower (wafer and GPU)", () => {
    fc.assert(fc.property(choice, workload, fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 16 }), (c, w, chips, more) => {
      const model = models()[c.m]!;
      const h = gear[c.h]!;
      const fewer = at(prepareFrom(model, h, { chips }), w);
      fc.pre(fewer !== undefined);
      const after = at(prepareFrom(model, h, { chips: chips + more }), w);
      expect(after, `${model.id} on ${chips + more} x ${h.id} no longer fits`).toBeDefined();
      const one = { ...w, batch: 1 };
      const a = at(prepareFrom(model, h, { chips }), one)!;
      const b = at(prepareFrom(model, h, { chips: chips + more }), one)!;
      expect(b.request).toBeLessThanOrEqual(a.request * (1 + 1e-9));
    }), runs);
  });
});

describe("MoE weights read per step", () => {
  // Compute 1,000x the chip's, so every op is memory-bound and a step's memory time is its bytes
  // over the bandwidth; the experts' share is what is left after the fixed weights, KV and head.
  const shape = fc.record({
    experts: fc.integer({ min: 4, max: 256 }),
    active: fc.integer({ min: 1, max: 8 }),
    width: fc.integer({ min: 64, max: 2048 }),
  }).filter((s) => s.active <= s.experts);

  it("lie between the active experts' bytes and all the experts' bytes, per layer (GPU and wafer, both placements)", () => {
    fc.assert(fc.property(shape, fc.integer({ min: 1, max: 256 }), fc.integer({ min: 1, max: 8000 }), fc.constantFrom("nvidia-h100-sxm", "cerebras-wse3"), fc.constantFrom("sliced" as const, "per-expert" as const), (s, batch, prompt, hw, placement) => {
      const sh: Shape = { ...S, moe: { experts: s.experts, active: s.active, expertIntermediate: s.width } };
      const c = counts(sh);
      const base = hardware(hw);
      const fast = hardware(hw, { compute: 1e3 * base.compute.bf16.value });
      const wafer = fast.kind === "wafer";
      const pr = prep(synthModel(sh), fast, wafer ? { expertPlacement: placement } : { chips: 1, tensorParallel: 1 });
      const pt = new Plan(pr).evaluate(batch, prompt, 2);
      fc.pre(pt.why === "");
      const L = pt.layout;
      // a wafer layer reads from its region's SRAM, a GPU from HBM; a wafer step is one pipeline
      // cycle's share of the users (users / slots, at least one)
      const bandwidth = wafer ? (base.memory.bandwidth.value / base.mesh!.cores.value) * WAFER.sramEfficiency * L.regionCores : base.memory.bandwidth.value * GPU.memoryEfficiency;
      const tokens = wafer ? Math.max(1, L.usersPerReplica / L.pipelineSlots) : L.usersPerReplica;
      // a sliced MoE layer's dense part may run on a sub-region of its own (subWork, its time):
      // then what is left over the region is the experts' bytes (and the head's)
      const sub = pt.decode.subWork > 0;
      const bytes = (pt.decode.memory - pt.decode.subWork) * bandwidth;
      const kv = tokens * (pt.decodeContext + 1) * c.kvBytesPerToken;
      const perLayer = (bytes - c.headBytes) / sh.layers - (sub ? 0 : c.fixedBytes + kv);
      expect(pt.decode.compute).toBe(0);
      expect(perLayer).toBeGreaterThanOrEqual(c.active * c.expertBytes * (1 - 1e-9));
      expect(perLayer).toBeLessThanOrEqual(c.experts * c.expertBytes * (1 + 1e-9));
      // and no more than the experts its tokens can pick (placement "sliced", or a GPU)
      if (!wafer || placement === "sliced") expect(perLayer).toBeLessThanOrEqual(Math.min(c.experts, tokens * c.active) * c.expertBytes * (1 + 1e-9));
    }), runs);
  });
});

describe("model depth", () => {
  it("more layers are never faster (on the same layout)", () => {
    const same = compared();
    fc.assert(fc.property(choice, workload, fc.integer({ min: 1, max: 8 }), (c, w, extra) => {
      const model = models()[c.m]!;
      const g0 = model.arch.groups[0]!;
      const deeper: Model = { ...model, arch: { ...model.arch, layers: model.arch.layers + extra, groups: [{ ...g0, count: g0.count + extra }, ...model.arch.groups.slice(1)] } };
      const h = gear[c.h]!;
      const n = chipsFor(deeper, h, w);
      const a = at(prepareFrom(model, h, { chips: n }), w)!;
      const b = at(prepareFrom(deeper, h, { chips: n }), w)!;
      same.onSameLayout(b, a, () => {
        expect(b.request).toBeGreaterThanOrEqual(a.request * (1 - 1e-12));
        expect(b.tpot).toBeGreaterThanOrEqual(a.tpot * (1 - 1e-12));
      });
    }), runs);
    same.atLeast(0.3);
  });
});

