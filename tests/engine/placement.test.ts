/**
 * Memory and layer regions (src/engine/placement.ts) by hand on the synthetic model: what a
 * deployment holds, where it fits, and how a layout is named.
 */
import { describe, expect, it } from "vitest";
import { gpuMemory, layoutLabel, maxRegionCores, minRegionCores, regionsOf, tensorWidths, waferMemory, weightsOf } from "../../src/engine/placement.js";
import { draftHeadProfile, profileModel } from "../../src/engine/profile.js";
import type { GpuParams } from "../../src/engine/parameters.js";
import { counts, GPU, hardware, S, synthModel } from "./synthetic.js";

const h100 = hardware("nvidia-h100-sxm");
const wse3 = hardware("cerebras-wse3");
const c = counts(S);
const weights = 2 * 617_646_080; // S in bf16: every layer, the embedding table, the head, the final norm
const layerBytes = 2 * (10_485_760 + 4096 + 50_331_648);
const gpuParams: GpuParams = { kind: "gpu", ...GPU };

describe("GPU memory as a serving engine counts it", () => {
  it("per GPU: its share of the weights, the runtime reserve, a fraction of the rest for KV; over every chip of every replica", () => {
    const p = profileModel(synthModel(S));
    // TP2 x PP1, 3 replicas of 5 users at 1,000 tokens
    const m = gpuMemory(p, h100, gpuParams, 1000, undefined, 2, 1, 3, 5);
    const perChipWeights = weights / 2;
    // 4 KV heads split over 2 ranks: no copies; each GPU holds half of 5 users' KV
    const perChipKv = (5 * S.layers * c.kvBytesPerToken * 1000) / 2;
    const pool = GPU.memoryFraction * (80e9 - perChipWeights - GPU.runtimeReserve);
    expect(m.weightBytes).toBeWithinRel(perChipWeights * 6, 1e-12);
    expect(m.kvCacheBytes).toBeWithinRel(perChipKv * 6, 1e-12);
    expect(m.activationBytes).toBe(GPU.runtimeReserve * 6);
    expect(m.neededBytes).toBeWithinRel((perChipWeights + GPU.runtimeReserve + perChipKv) * 6, 1e-12);
    expect(m.capacityBytes).toBe(80e9 * 6);
    expect(m.usableBytes).toBeWithinRel((perChipWeights + GPU.runtimeReserve + pool) * 6, 1e-12);
    expect(m.kvPoolBytes).toBeWithinRel(pool * 6, 1e-12);
    expect(m.fits).toBe(true);
  });

  it("fits while the KV is within the pool (equal is in) and the weights and reserve within the GPU", () => {
    const p = profileModel(synthModel(S));
    const perUser = S.layers * c.kvBytesPerToken * 1000; // 16,384,000 B
    // a reserve that leaves exactly 10 users' KV (whole numbers: exact in floating point), all of it the pool
    const exact = { ...gpuParams, runtimeReserve: 80e9 - weights - 10 * perUser, memoryFraction: 1 };
    expect(gpuMemory(p, h100, exact, 1000, undefined, 1, 1, 1, 10).fits).toBe(true);
    expect(gpuMemory(p, h100, exact, 1000, undefined, 1, 1, 1, 11).fits).toBe(false);
    // a reserve that leaves nothing: weights + reserve = 80 GB does not fit, even with no KV room asked
    const full = { ...gpuParams, runtimeReserve: 80e9 - weights };
    expect(gpuMemory(p, h100, full, 1, undefined, 1, 1, 1, 1).fits).toBe(false);
    expect(gpuMemory(p, h100, full, 1, undefined, 1, 1, 1, 1).kvPoolBytes).toBe(0);
  });

  it("a draft's weights and KV count too; copies of KV heads a wide group cannot split", () => {
    const p = profileModel(synthModel(S));
    const head = { profile: draftHeadProfile(p), head: true };
    expect(weightsOf(p, head)).toBe(weights + layerBytes);
    // TP8 over 4 KV heads: every KV byte on 2 ranks; the draft head (one layer) likewise
    const m = gpuMemory(p, h100, gpuParams, 1000, head, 8, 1, 1, 1);
    expect(m.kvCacheBytes).toBeWithinRel(2 * (S.layers + 1) * c.kvBytesPerToken * 1000, 1e-12);
  });
});

describe("wafer memory", () => {
  it("weights and every user's KV in SRAM, per replica; what the weights leave is the KV pool", () => {
    const p = profileModel(synthModel(S));
    const cap = wse3.memory.capacity.value;
    const m = waferMemory(p, wse3, 1000, undefined, 2, 3, 4);
    const kv = 4 * S.layers * c.kvBytesPerToken * 1000;
    expect(m).toMatchObject({ activationBytes: 0, fits: true });
    expect(m.weightBytes).toBe(weights * 3);
    expect(m.kvCacheBytes).toBe(kv * 3);
    expect(m.neededBytes).toBe((weights + kv) * 3);
    expect(m.capacityBytes).toBe(2 * cap * 3);
    expect(m.usableBytes).toBe(2 * cap * 3);
    expect(m.kvPoolBytes).toBe((2 * cap - weights) * 3);
    // a wafer exactly full fits; one byte less does not
    const holding = (bytes: number) => hardware("cerebras-wse3", { capacity: bytes });
    const full = weights + 7 * S.layers * c.kvBytesPerToken * 1000;
    expect(waferMemory(p, holding(full), 1000, undefined, 1, 1, 7).fits).toBe(true);
    expect(waferMemory(p, holding(full - 1), 1000, undefined, 1, 1, 7).fits).toBe(false);
  });
});

describe("layer regions on a wafer", () => {
  const cores = wse3.mesh!.cores.value;
  const sram = wse3.memory.capacity.value / cores; // 49,152 B

  it("one per layer and one for the head; a draft head adds one, a draft model its layers and head", () => {
    const p = profileModel(synthModel(S));
    expect(regionsOf(p, undefined)).toBe(9);
    expect(regionsOf(p, { profile: draftHeadProfile(p), head: true })).toBe(10);
    expect(regionsOf(p, { profile: profileModel(synthModel({ ...S, layers: 2 })), head: false })).toBe(12);
    // the largest: the wafers' cores shared by the regions
    expect(maxRegionCores(p, wse3, undefined, 3)).toBe(Math.floor((3 * cores) / 9));
  });

  it("the fewest cores a region may have hold its layer's weights and its users' KV; a window caps the KV", () => {
    const p = profileModel(synthModel(S));
    expect(minRegionCores(p, wse3, 1000, 3)).toBe(Math.ceil((layerBytes + 3 * c.kvBytesPerToken * 1000) / sram));
    const windowed = profileModel(synthModel({ ...S, window: 128 }));
    expect(minRegionCores(windowed, wse3, 100_000, 3)).toBe(Math.ceil((layerBytes + 3 * c.kvBytesPerToken * 128) / sram));
    expect(minRegionCores(windowed, wse3, 100, 3)).toBe(Math.ceil((layerBytes + 3 * c.kvBytesPerToken * 100) / sram));
    // never fewer than one core
    const tiny = profileModel(synthModel({ ...S, hidden: 8, heads: 1, kvHeads: 1, headDim: 8, intermediate: 8, vocab: 8 }));
    expect(minRegionCores(tiny, wse3, 1, 1)).toBe(1);
  });
});

describe("tensor-parallel widths", () => {
  it("powers of two within the NVLink domain that split the heads; a chip without NVLink has only 1", () => {
    expect(tensorWidths(profileModel(synthModel(S)), h100)).toEqual([1, 2, 4, 8]);
    expect(tensorWidths(profileModel(synthModel({ ...S, heads: 12 })), h100)).toEqual([1, 2, 4]);
    expect(tensorWidths(profileModel(synthModel(S)), wse3)).toEqual([1]);
  });
});

describe("layout names", () => {
  const l = { chips: 6, replicas: 3, tensorParallel: 2, pipelineStages: 1, regionCores: 0, pipelineSlots: 1, usersPerReplica: 4, idleChips: 1 };
  it.each([
    ["gpu", l, "TP2 x PP1 x 3 replicas (1 idle)"],
    ["gpu", { ...l, replicas: 1, idleChips: 0 }, "TP2 x PP1"],
    ["wafer", { ...l, pipelineStages: 1, regionCores: 44101, replicas: 1, idleChips: 0 }, "1 wafer, 44,101 cores per layer"],
    ["wafer", { ...l, pipelineStages: 4, regionCores: 44101, replicas: 2, idleChips: 3 }, "4 wafers, 44,101 cores per layer x 2 replicas (3 idle)"],
  ] as const)("%s %o: %s", (kind, layout, name) => {
    expect(layoutLabel(kind, layout)).toBe(name);
  });
});
