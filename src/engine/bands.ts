import type { LooRecord, ParameterSet } from "./parameters.js";
import type { Band } from "./types.js";

/**
 * Error bands. A prediction rests on a parameter set, and the set on its references; how far
 * those references miss when each is predicted by a fit that did not see it (leave-one-out)
 * says how far a new prediction may miss. The method, in four lines:
 *
 * 1. e = ln(published / leave-one-out prediction) for every fitted reference of the set and the
 *    metric's class (decode speed, prefill time, batch throughput);
 * 2. e is taken as normal with spread sigma(d)^2 = s0^2 + k^2 d^2, where d is how far (in
 *    doublings of model size, batch, context or chips, the largest) a prediction is from the
 *    nearest reference: s0 is the root mean square of the set's errors of the class, k is fitted
 *    by maximum likelihood over every reference (each reference's d from the others);
 * 3. the band is value x exp(-/+ 1.28 sigma(d)): 80% of the truth should fall inside;
 * 4. a parameter no reference identifies is "assumed": the band also spans the prediction with
 *    that parameter anywhere in its physical range.
 * A set with fewer than three references of the class borrows s0 from the sets of its kind of
 * hardware (then from all sets); `basis` says which. `calibrate` checks the 80% (coverage).
 */
export type MetricClass = "decode" | "prefill" | "throughput";

export const BAND_LEVEL = 0.8;
/** the standard normal quantile with 10% above: a central 80% band */
const Z = 1.2815515655446004;

export function metricClass(metric: string): MetricClass {
  if (metric.startsWith("prefill") || metric.startsWith("ttft")) return "prefill";
  if (metric.startsWith("throughput")) return "throughput";
  return "decode";
}

export interface Where {
  readonly params: number;
  readonly batch: number;
  readonly context: number;
  readonly chips: number;
}

const log2 = (x: number) => Math.log(x) / Math.LN2;

/** Doublings between two conditions: the largest over model size, batch, context and chips. */
export function distance(a: Where, b: Where): number {
  return Math.max(Math.abs(log2(a.params / b.params)), Math.abs(log2(a.batch / b.batch)), Math.abs(log2(a.context / b.context)), Math.abs(log2(a.chips / b.chips)));
}

const logError = (r: LooRecord): number => -Math.log(1 + r.errorPct / 100);

interface Sample { readonly e: number; readonly d: number }

/** Each record's log error and its distance from the nearest other record of the same list. */
function samples(records: readonly LooRecord[]): Sample[] {
  return records.map((r, i) => ({
    e: logError(r),
    d: records.reduce((m, o, j) => (j === i ? m : Math.min(m, distance(r, o))), Infinity),
  })).map((s) => ({ e: s.e, d: Number.isFinite(s.d) ? s.d : 0 }));
}

function negLogLik(xs: readonly Sample[], s0: number, k: number): number {
  let s = 0;
  for (const x of xs) {
    const v = s0 * s0 + k * k * x.d * x.d;
    s += Math.log(v) + (x.e * x.e) / v;
  }
  return s;
}

const K_GRID = Array.from({ length: 61 }, (_, i) => (i / 60) * 0.3);

export interface Spread {
  readonly s0: number;
  readonly k: number;
}

/** s0: the root mean square of the log errors (never below 1%: no set is known better than that). */
function fitS0(xs: readonly Sample[]): number {
  const ms = xs.reduce((a, x) => a + x.e * x.e, 0) / Math.max(1, xs.length);
  return Math.max(0.01, Math.sqrt(ms));
}

/** k over every set's samples, each set with its own s0 held (likelihood on a grid). */
function fitK(groups: readonly (readonly Sample[])[]): number {
  let best = 0;
  let bestL = Infinity;
  for (const k of K_GRID) {
    let l = 0;
    for (const g of groups) if (g.length > 0) l += negLogLik(g, fitS0(g), k);
    if (l < bestL) { bestL = l; best = k; }
  }
  return best;
}

export interface SetRecords {
  readonly kind: "wafer" | "gpu";
  readonly id?: string;
  readonly records: Readonly<Record<string, LooRecord>>;
}

interface Pools {
  readonly k: number;
  /** s0 per class: by set (when it has 3+ records), by kind, over all */
  readonly bySet: Map<string, number>;
  readonly byKind: Map<string, number>;
  readonly all: Map<MetricClass, number>;
}

const MIN_RECORDS = 3;

function pools(sets: readonly SetRecords[], exclude?: string): Pools {
  const of = (s: SetRecords, cls: MetricClass) => Object.entries(s.records).filter(([id, r]) => id !== exclude && metricClass(r.metric) === cls).map(([, r]) => r);
  const classes: MetricClass[] = ["decode", "prefill", "throughput"];
  const groups = sets.flatMap((s) => classes.map((c) => samples(of(s, c))));
  const k = fitK(groups);
  const bySet = new Map<string, number>();
  const byKind = new Map<string, number>();
  const all = new Map<MetricClass, number>();
  for (const cls of classes) {
    const everything: Sample[] = [];
    for (const kind of ["wafer", "gpu"] as const) {
      const xs = sets.filter((s) => s.kind === kind).flatMap((s) => samples(of(s, cls)));
      everything.push(...xs);
      if (xs.length >= MIN_RECORDS) byKind.set(`${kind}/${cls}`, fitS0(xs));
    }
    if (everything.length > 0) all.set(cls, fitS0(everything));
    for (const s of sets) {
      const xs = samples(of(s, cls));
      if (xs.length >= MIN_RECORDS) bySet.set(`${s.id ?? ""}/${cls}`, fitS0(xs));
    }
  }
  return { k, bySet, byKind, all };
}

function s0For(p: Pools, set: SetRecords, cls: MetricClass): { s0: number; basis: string } | undefined {
  const own = p.bySet.get(`${set.id ?? ""}/${cls}`);
  if (own !== undefined) return { s0: own, basis: `leave-one-out errors of the ${set.id} set's ${cls} references` };
  const kind = p.byKind.get(`${set.kind}/${cls}`);
  if (kind !== undefined) return { s0: kind, basis: `leave-one-out errors of every ${set.kind} set's ${cls} references (the ${set.id} set has fewer than ${MIN_RECORDS})` };
  const all = p.all.get(cls);
  if (all !== undefined) return { s0: all, basis: `leave-one-out errors of every set's ${cls} references (too few on ${set.kind} hardware)` };
  return undefined;
}

/**
 * Coverage of the method over the references: each reference's band is built without it (its
 * own error excluded from s0, its distance from the others), and it counts as covered when its
 * leave-one-out error falls inside.
 */
export function bandCoverage(sets: readonly SetRecords[]): { share: number; level: number; references: number; outside: string[] } {
  const named = sets.map((s, i) => ({ ...s, id: s.id ?? `set${i}` }));
  let inside = 0;
  let n = 0;
  const outside: string[] = [];
  for (const s of named) {
    for (const [id, r] of Object.entries(s.records)) {
      const p = pools(named, id);
      const cls = metricClass(r.metric);
      const base = s0For(p, s, cls);
      if (!base) continue;
      const others = Object.entries(s.records).filter(([o, x]) => o !== id && metricClass(x.metric) === cls).map(([, x]) => x);
      const d = others.reduce((m, o) => Math.min(m, distance(r, o)), Infinity);
      const sigma = Math.sqrt(base.s0 * base.s0 + p.k * p.k * (Number.isFinite(d) ? d * d : 0));
      n++;
      if (Math.abs(logError(r)) <= Z * sigma) inside++; else outside.push(id);
    }
  }
  return { share: n === 0 ? 0 : inside / n, level: BAND_LEVEL, references: n, outside };
}

const poolCache = new WeakMap<readonly ParameterSet[], Pools>();

/** The spread of a set's references, for bands on predictions (all stored sets pooled). */
export function spreadFor(all: readonly ParameterSet[], set: ParameterSet, cls: MetricClass): { s0: number; k: number; basis: string; records: LooRecord[] } | undefined {
  let p = poolCache.get(all);
  if (!p) {
    p = pools(all.map((s) => ({ kind: s.kind, id: s.id + "@" + s.file, records: s.provenance.leaveOneOut ?? {} })));
    poolCache.set(all, p);
  }
  const me: SetRecords = { kind: set.kind, id: set.id + "@" + set.file, records: set.provenance.leaveOneOut ?? {} };
  const base = s0For(p, me, cls);
  if (!base) return undefined;
  const records = Object.values(me.records).filter((r) => metricClass(r.metric) === cls);
  return { s0: base.s0, k: p.k, basis: base.basis.replace(`${set.id}@${set.file}`, set.id), records };
}

/** The band of one value: its spread widened by the distance to the nearest reference, then by assumed parameters. */
export function bandOf(value: number, where: Where, spread: { s0: number; k: number; basis: string; records: readonly LooRecord[] }, assumed: readonly { name: string; low: number; high: number }[] = []): Band {
  const d = spread.records.reduce((m, r) => Math.min(m, distance(where, r)), Infinity);
  const dd = Number.isFinite(d) ? d : 0;
  const sigma = Math.sqrt(spread.s0 * spread.s0 + spread.k * spread.k * dd * dd);
  let low = value * Math.exp(-Z * sigma);
  let high = value * Math.exp(Z * sigma);
  for (const a of assumed) {
    low = Math.min(low, a.low * Math.exp(-Z * sigma));
    high = Math.max(high, a.high * Math.exp(Z * sigma));
  }
  const far = dd > 1 ? `; ${dd.toFixed(1)} doublings from the nearest reference, widened by ${((Math.sqrt(spread.s0 ** 2 + spread.k ** 2 * dd * dd) / spread.s0 - 1) * 100).toFixed(0)}%` : "";
  return { low, high, basis: `80% band from the ${spread.basis} (${(Z * spread.s0 * 100).toFixed(0)}% in log)${far}`, assumed: assumed.map((a) => a.name) };
}
