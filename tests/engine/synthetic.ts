/**
 * Small synthetic inputs for tests that check the engine against hand calculations: a model
 * whose every byte and FLOP the test can count, hardware read from the shipped data files
 * (optionally with one figure changed), and fitted parameters set by the test, so that no
 * expected value depends on the current calibration.
 */
import { loadHardware } from "../../src/hardware/load.js";
import type { Hardware } from "../../src/hardware/types.js";
import { countParams, type Architecture, type Ffn } from "../../src/model/arch.js";
import type { Model } from "../../src/model/types.js";
import { withParams, type GpuParams, type Params, type WaferParams } from "../../src/engine/parameters.js";
import { Plan } from "../../src/engine/plan.js";
import { prepareFrom, type Prepared } from "../../src/engine/prepare.js";
import type { PredictOptions } from "../../src/engine/types.js";

export interface Shape {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** dense FFN width (ignored when `moe` is given) */
  readonly intermediate: number;
  readonly vocab: number;
  readonly maxContext?: number;
  /** a sliding window every layer attends within (default: the whole context) */
  readonly window?: number;
  readonly moe?: { readonly experts: number; readonly active: number; readonly expertIntermediate: number };
}

/**
 * "S": 8 layers of width 2,048, 16 query heads and 4 KV heads of 128, a gated FFN of 8,192, a
 * 32,000-token vocabulary. Per layer: attention 2 x 2048 x 2048 + 2 x 2048 x 512 = 10,485,760
 * weights, FFN 3 x 2048 x 8192 = 50,331,648, norms 4,096.
 */
export const S: Shape = { layers: 8, hidden: 2048, heads: 16, kvHeads: 4, headDim: 128, intermediate: 8192, vocab: 32000, maxContext: 131072 };

/** "M": S with a mixture of 32 experts of width 1,024 in each layer, 2 active per token. */
export const M: Shape = { ...S, moe: { experts: 32, active: 2, expertIntermediate: 1024 } };

export function synthModel(s: Shape, id = "synthetic"): Model {
  const ffn: Ffn = s.moe
    ? { kind: "moe", experts: s.moe.experts, activeExperts: s.moe.active, expertIntermediate: s.moe.expertIntermediate, sharedIntermediate: 0, bias: false }
    : { kind: "dense", intermediate: s.intermediate, bias: false };
  const arch: Architecture = {
    hiddenSize: s.hidden, vocabSize: s.vocab, tiedEmbeddings: false,
    attention: { kind: "gqa", heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, bias: false, qkNorm: false, sinks: false },
    groups: [{ count: s.layers, window: s.window ?? null, ffn }],
    layers: s.layers, mtpLayers: 0, maxContext: s.maxContext ?? null,
    nativeFormat: { default: "bf16", experts: "bf16" },
  };
  return { id, name: id, file: `${id}.yaml`, source: { url: "test" }, arch, params: countParams(arch) };
}

/**
 * Counts of one layer of a shape, by hand (bf16: 2 bytes per weight and per KV element).
 * These are the test's own arithmetic from the shape, not the engine's profile.
 */
export function counts(s: Shape) {
  const h = s.hidden;
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  const attention = h * q + 2 * h * kv + q * h;
  const norms = 2 * h;
  const perExpert = s.moe ? 3 * h * s.moe.expertIntermediate : 0;
  const router = s.moe ? h * s.moe.experts : 0;
  const denseFfn = s.moe ? 0 : 3 * h * s.intermediate;
  return {
    /** weights every token reads in a layer: attention, norms, dense FFN or router */
    fixedBytes: 2 * (attention + norms + denseFfn + router),
    /** one routed expert's bytes */
    expertBytes: 2 * perExpert,
    experts: s.moe?.experts ?? 0,
    active: s.moe?.active ?? 0,
    /** matmul FLOPs of one token through a layer: 2 per weight it multiplies (norms are not matmuls) */
    matmulFlops: 2 * (attention + denseFfn + router + (s.moe ? s.moe.active * perExpert : 0)),
    expertFlops: 2 * perExpert,
    /** K and V of every KV head, 2 bytes each */
    kvBytesPerToken: 2 * kv * 2,
    /** QK^T and AV: 2 x heads x headDim each per attended position */
    attnFlopsPerPosition: 4 * s.heads * s.headDim,
    headBytes: 2 * s.vocab * h,
    headFlops: 2 * s.vocab * h,
    /** activations between chips: one hidden vector in bf16 per token */
    activationBytes: 2 * h,
  };
}

/** Parameters set by the test (none from a calibration), each a round figure inside its range. */
export const WAFER: Omit<WaferParams, "kind" | "speculationAcceptance"> = {
  hopLatency: 2e-9, collectivesPerLayer: 4, collectiveSync: 200e-9, sramEfficiency: 0.5, prefillEfficiency: 0.25,
  waferLinkLatency: 5e-6, stepOverhead: 20e-6, prefillOverhead: 50e-6, draftOverhead: 2e-6,
};

export const GPU: Omit<GpuParams, "kind" | "speculationAcceptance"> = {
  memoryEfficiency: 0.8, computeEfficiency: 0.5, lowPrecisionEfficiency: 0.4, allReduceLatency: 10e-6, allReduceEfficiency: 1, stepOverhead: 100e-6, prefillOverhead: 1e-3, draftOverhead: 50e-6,
  networkLatency: 20e-6, memoryFraction: 0.9, runtimeReserve: 4e9,
};

/** Hardware from its data file, with some top-level figures replaced (for what-ifs). */
export function hardware(id: string, change: { bandwidth?: number; compute?: number; capacity?: number; scaleUpBandwidth?: number; scaleOutBandwidth?: number } = {}): Hardware {
  const hw = loadHardware(id);
  const scaled = <T extends { value: number }>(v: T, to: number | undefined): T => (to === undefined ? v : { ...v, value: to });
  const compute = change.compute === undefined ? hw.compute : (Object.fromEntries(Object.entries(hw.compute).map(([k, v]) => [k, { ...v, value: change.compute! * (v.value / hw.compute.bf16.value) }])) as unknown as Hardware["compute"]);
  const up = hw.interconnect.scaleUp;
  return {
    ...hw,
    memory: { ...hw.memory, bandwidth: scaled(hw.memory.bandwidth, change.bandwidth), capacity: scaled(hw.memory.capacity, change.capacity) },
    compute,
    interconnect: {
      ...(up ? { scaleUp: { ...up, bandwidth: scaled(up.bandwidth, change.scaleUpBandwidth) } } : {}),
      scaleOut: { ...hw.interconnect.scaleOut, bandwidth: scaled(hw.interconnect.scaleOut.bandwidth, change.scaleOutBandwidth) },
    },
  };
}

/** A Prepared whose fitted parameters are the test's (WAFER or GPU, then `params`). */
export function prep(model: Model, hw: Hardware, opts: Omit<PredictOptions, "model" | "hardware"> = {}, params: Partial<Record<string, number>> = {}, draft?: Model): Prepared {
  const pr = prepareFrom(model, hw, opts, draft);
  const base = hw.kind === "wafer" ? WAFER : GPU;
  return { ...pr, params: withParams(pr.params, { ...base, ...params }) as Params };
}

/**
 * A value computed on first use, inside a test: engine or model work at collection time (in a
 * describe body) that throws fails no test, so a mutant that breaks it would survive mutation
 * testing. Keep such work behind `lazy`.
 */
export function lazy<T>(make: () => T): () => T {
  // Under mutation testing every test computes its own value: Stryker runs, for each mutant,
  // the tests that executed its code, and a value one test computed and others reused would
  // count only for the first (a mutant the others would catch then survives).
  if (process.env["WAFERSIM_MUTATION"] === "1") return make;
  let v: { value: T } | undefined;
  return () => (v ??= { value: make() }).value;
}

/** A fresh plan (its point is overwritten by the next evaluation: copy what you keep). */
export function planFor(pr: Prepared): Plan {
  return new Plan(pr);
}

/** The figures of one evaluation, copied out of the plan's reused point. */
export function run(pr: Prepared, batch: number, prompt: number, output: number, spec?: { draftTokens: number; acceptance: number; verifyTokens?: number; draftWidth?: number }) {
  const pt = new Plan(pr).evaluate(batch, prompt, output, spec);
  if (pt.why !== "") throw new Error(pt.why);
  return {
    tpot: pt.tpot, aggregate: pt.aggregate, tpotPlain: pt.tpotPlain, tokensPerStep: pt.tokensPerStep, prefill: pt.prefillSeconds,
    requestSeconds: pt.prefillSeconds + (output - 1) * pt.tpot,
    layout: { ...pt.layout }, memory: { ...pt.memory }, decode: { ...pt.decode }, prefillParts: { ...pt.prefill },
    decodeContext: pt.decodeContext,
  };
}
