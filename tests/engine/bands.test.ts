/**
 * Error bands (src/engine/bands.ts) on small records whose spreads the test works out by hand:
 * e = ln(published / leave-one-out prediction) = -ln(1 + error), sigma(d)^2 = s0^2 + k^2 d^2, an
 * 80% band is value x exp(-/+ z sigma) with z = 1.2816 (the standard normal's 90th percentile).
 */
import { describe, expect, it } from "vitest";
import { bandCoverage, bandOf, distance, metricClass, spreadFor, type SetRecords } from "../../src/engine/bands.js";
import type { LooRecord, ParameterSet } from "../../src/engine/parameters.js";

const Z = 1.2815515655446004;
const at = { params: 8e9, batch: 1, context: 2048, chips: 1 };
const rec = (errorPct: number, where: Partial<typeof at> = {}, metric = "decode.tokensPerSecondPerUser"): LooRecord => ({ metric, errorPct, ...at, ...where });
const e = (pct: number) => -Math.log(1 + pct / 100);

describe("metric classes", () => {
  it.each([
    ["decode.tokensPerSecondPerUser", "decode"],
    ["decode.timePerOutputTokenSeconds", "decode"],
    ["prefill.seconds", "prefill"],
    ["ttftSeconds", "prefill"],
    ["throughput.outputTokensPerSecond", "throughput"],
  ])("%s is a %s figure", (metric, cls) => {
    expect(metricClass(metric)).toBe(cls);
  });
});

describe("distance between conditions", () => {
  it("is the most doublings apart over model size, batch, context and chips", () => {
    expect(distance(at, at)).toBe(0);
    // 8 B -> 64 B parameters: 3 doublings; batch 1 -> 4: 2
    expect(distance(at, { ...at, params: 64e9, batch: 4 })).toBeWithinRel(3, 1e-12);
    expect(distance(at, { ...at, batch: 1 / 32 })).toBeWithinRel(5, 1e-12);
    expect(distance(at, { ...at, context: 2048 * 16 })).toBeWithinRel(4, 1e-12);
    expect(distance(at, { ...at, chips: 64 })).toBeWithinRel(6, 1e-12);
  });
});

describe("a band", () => {
  const spread = { s0: 0.1, k: 0.05, basis: "test records", records: [rec(0), rec(0, { params: 64e9 })] };

  it("at a reference's conditions: value x exp(-/+ z s0)", () => {
    const b = bandOf(100, at, spread);
    expect(b.low).toBeWithinRel(100 * Math.exp(-Z * 0.1), 1e-12);
    expect(b.high).toBeWithinRel(100 * Math.exp(Z * 0.1), 1e-12);
    expect(b.assumed).toEqual([]);
    // z s0 = 12.8% in log, no widening
    expect(b.basis).toBe("80% band from the test records (13% in log)");
  });

  it("widens with the distance to the nearest reference: sigma^2 = s0^2 + k^2 d^2", () => {
    // 4 doublings of context from both records: sigma = sqrt(0.01 + 0.0025 x 16) = 0.2236
    const b = bandOf(100, { ...at, context: 2048 * 16 }, spread);
    const sigma = Math.sqrt(0.1 ** 2 + 0.05 ** 2 * 16);
    expect(b.low).toBeWithinRel(100 * Math.exp(-Z * sigma), 1e-12);
    expect(b.high).toBeWithinRel(100 * Math.exp(Z * sigma), 1e-12);
    // sigma / s0 - 1 = 124%
    expect(b.basis).toBe("80% band from the test records (13% in log); 4.0 doublings from the nearest reference, widened by 124%");
    // within one doubling the basis does not mention it
    expect(bandOf(100, { ...at, batch: 2 }, spread).basis).not.toMatch(/doublings/);
  });

  it("spans an assumed parameter's whole range: the prediction at either end, each with its own band", () => {
    const b = bandOf(100, at, spread, [{ name: "computeEfficiency", low: 60, high: 300 }]);
    expect(b.low).toBeWithinRel(60 * Math.exp(-Z * 0.1), 1e-12);
    expect(b.high).toBeWithinRel(300 * Math.exp(Z * 0.1), 1e-12);
    expect(b.assumed).toEqual(["computeEfficiency"]);
    // an assumed range narrower than the value's band widens it by its own ends only
    const near = bandOf(100, at, spread, [{ name: "x", low: 101, high: 102 }]);
    expect(near.low).toBeWithinRel(100 * Math.exp(-Z * 0.1), 1e-12);
    expect(near.high).toBeWithinRel(102 * Math.exp(Z * 0.1), 1e-12);
  });

  it("without records: the spread at the value alone", () => {
    const b = bandOf(100, { ...at, context: 1e6 }, { ...spread, records: [] });
    expect(b.high).toBeWithinRel(100 * Math.exp(Z * 0.1), 1e-12);
  });
});

describe("band coverage over references", () => {
  // Three decode records of one set, all at the same conditions (no widening): each is judged by the
  // other two, since with it left out the set has fewer than three and its kind pools the rest.
  const set: SetRecords = { kind: "gpu", id: "s", records: { a: rec(10), b: rec(-10), c: rec(50) } };

  it("counts a reference inside when its error is within z x the spread of the others", () => {
    const s0 = (x: number, y: number) => Math.sqrt((x * x + y * y) / 2);
    // a: s0 of b and c = 0.296, z s0 = 0.380 > |ln 1.1| = 0.095: inside
    expect(Math.abs(e(10))).toBeLessThan(Z * s0(e(-10), e(50)));
    // c: s0 of a and b = 0.100, z s0 = 0.129 < ln 1.5 = 0.405: outside
    expect(Math.abs(e(50))).toBeGreaterThan(Z * s0(e(10), e(-10)));
    const c = bandCoverage([set]);
    expect(c).toEqual({ share: 2 / 3, level: 0.8, references: 3, outside: ["c"] });
  });

  it("a spread is never below 1% (no set is known better than that)", () => {
    // two exact references and one 1.5% off: judged by the exact two, s0 = 1% (the floor), z s0 = 1.28%
    const tight = bandCoverage([{ kind: "wafer", records: { a: rec(0), b: rec(0), c: rec(1.5) } }]);
    expect(tight.outside).toEqual(["c"]);
    const inside = bandCoverage([{ kind: "wafer", records: { a: rec(0), b: rec(0), c: rec(1.2) } }]);
    expect(inside.share).toBe(1);
  });

  it("is zero over no references, and classes do not mix: a lone prefill record has no band", () => {
    expect(bandCoverage([])).toEqual({ share: 0, level: 0.8, references: 0, outside: [] });
    const mixed = bandCoverage([{ kind: "gpu", id: "m", records: { p: rec(5, {}, "prefill.seconds") } }]);
    expect(mixed.references).toBe(0);
  });
});

describe("the spread a prediction's band uses", () => {
  const setWith = (id: string, kind: "wafer" | "gpu", records: Record<string, LooRecord>): ParameterSet => ({
    id, file: `${id}.yaml`, kind, hardware: [], software: { id, name: id, default: false }, values: {}, provenance: { method: "fitted", date: "2026-01-01", leaveOneOut: records },
  });

  it("its own set's records when it has three or more of the class, else its kind's, else everyone's", () => {
    const own = setWith("own", "gpu", { a: rec(10), b: rec(-10), c: rec(20) });
    const few = setWith("few", "gpu", { d: rec(30) });
    const wafer = setWith("wafer", "wafer", { e: rec(40) });
    const all = [own, few, wafer];
    const rms = (...pcts: number[]) => Math.sqrt(pcts.reduce((s, p) => s + e(p) ** 2, 0) / pcts.length);

    const mine = spreadFor(all, own, "decode")!;
    expect(mine.s0).toBeWithinRel(rms(10, -10, 20), 1e-12);
    expect(mine.basis).toBe("leave-one-out errors of the own set's decode references");
    expect(mine.records).toHaveLength(3);

    // "few" has one record: its kind (GPU) pools a, b, c and d
    const borrowed = spreadFor(all, few, "decode")!;
    expect(borrowed.s0).toBeWithinRel(rms(10, -10, 20, 30), 1e-12);
    expect(borrowed.basis).toMatch(/^leave-one-out errors of every gpu set's decode references \(the few set has fewer than 3\)$/);

    // the wafer kind has one record: every set's
    const everyone = spreadFor(all, wafer, "decode")!;
    expect(everyone.s0).toBeWithinRel(rms(10, -10, 20, 30, 40), 1e-12);
    expect(everyone.basis).toBe("leave-one-out errors of every set's decode references (too few on wafer hardware)");

    // no prefill record anywhere: no band
    expect(spreadFor(all, own, "prefill")).toBeUndefined();
  });
});

describe("how fast a band widens with distance (k)", () => {
  // The method (bands.ts): k maximises the likelihood of every reference's log error e under
  // N(0, s0^2 + k^2 d^2), d its distance in doublings from the nearest other reference, s0 the root
  // mean square of its set's errors (at least 1%), on a grid of 61 values from 0 to 0.3. Written out:
  function kByHand(records: LooRecord[]): number {
    const es = records.map((r) => e(r.errorPct));
    const ds = records.map((r, i) => Math.min(...records.filter((_, j) => j !== i).map((o) => distance(r, o))));
    const s0 = Math.max(0.01, Math.sqrt(es.reduce((s, x) => s + x * x, 0) / es.length));
    let best = 0;
    let bestL = Infinity;
    for (let i = 0; i <= 60; i++) {
      const k = (i / 60) * 0.3;
      const l = es.reduce((s, x, j) => s + Math.log(s0 * s0 + k * k * ds[j]! ** 2) + (x * x) / (s0 * s0 + k * k * ds[j]! ** 2), 0);
      if (l < bestL) { bestL = l; best = k; }
    }
    return best;
  }
  const setOf = (records: Record<string, LooRecord>): ParameterSet => ({ id: "far", file: "far.yaml", kind: "gpu", hardware: [], software: { id: "far", name: "far", default: false }, values: {}, provenance: { method: "fitted", date: "2026-01-01", leaveOneOut: records } });

  it("grows when the references far from the others miss more", () => {
    // three close references off by 1-2%, two far ones (3 and 4 doublings away) off by 30-40%
    const records = { a: rec(1), b: rec(-2, { batch: 2 }), c: rec(1.5, { context: 4096 }), d: rec(30, { params: 64e9 }), e: rec(-40, { chips: 16 }) };
    const set = setOf(records);
    const spread = spreadFor([set], set, "decode")!;
    const k = kByHand(Object.values(records));
    expect(k).toBeGreaterThan(0);
    expect(spread.k).toBeWithinRel(k, 1e-12);
    // the coverage judges each reference by its distance too: sigma^2 = s0^2 + k^2 d^2
    expect(bandCoverage([{ kind: "gpu", id: "far", records }]).references).toBe(5);
  });

  it("is 0 when distance does not explain the errors", () => {
    const records = { a: rec(20), b: rec(-20, { batch: 2 }), c: rec(1, { params: 256e9 }), d: rec(-1, { chips: 64 }) };
    const set = setOf(records);
    expect(kByHand(Object.values(records))).toBe(0);
    expect(spreadFor([set], set, "decode")!.k).toBe(0);
  });

  it("a far reference is judged by a spread fitted without it: close references alone give k = 0, and its miss stays outside", () => {
    // a, b, c at the same conditions within 1%; d 5 doublings away and 30% off. Without d, no
    // distance is left to explain anything (k = 0) and s0 = 1% (the floor): z x 1% = 1.3% < ln 1.3 = 26%
    const records = { a: rec(1), b: rec(-1), c: rec(0.5), d: rec(30, { params: 256e9 }) };
    const c = bandCoverage([{ kind: "gpu", id: "w", records }]);
    expect(c.references).toBe(4);
    expect(c.outside).toEqual(["d"]);
  });
});
