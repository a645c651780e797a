import { loadHardware } from "../hardware/load.js";
import { loadModel } from "../model/load.js";
import { InputError, inputError } from "../errors.js";
import { Plan } from "../engine/plan.js";
import { prepareFrom, type Prepared } from "../engine/prepare.js";
import { bestDraftTokens } from "../engine/speculation.js";
import { defsOf, getParam, parameterSetFor, withParams, type ParameterDef, type ParameterSet, type Params, type ParamName, type LooRecord } from "../engine/parameters.js";
import { bandCoverage, metricClass, type MetricClass } from "../engine/bands.js";
import { fitLeastSquares, toValue } from "./fit.js";
import { acceptanceFor, loadReferences, REFERENCES_FILE, type Check, type Conditions, type Metric, type Reference } from "./references.js";

/**
 * Calibration: group references by the parameter set (hardware, software stack) they belong
 * to, fit each set's fitted parameters by least squares on log error (each residual divided by
 * its tolerance, so a vendor figure pulls less than a paper's), and report every reference's
 * error and leave-one-out error (predicted by a fit that did not see it), per set and per metric.
 *
 * Predicting a reference uses only its conditions; the published value enters the residual,
 * never the prediction. Speculation is a condition of the references that used it, never a
 * constant a stack's physics absorbs.
 */
export interface ReferenceResult {
  readonly id: string;
  readonly set: string;
  readonly metric: Metric;
  readonly kind: string;
  readonly published: number;
  readonly predicted: number;
  readonly errorPct: number;
  /** error when the reference is predicted by a fit that did not see it (= errorPct when not fitted) */
  readonly looErrorPct: number;
  readonly tolerancePct: number;
  readonly withinTolerance: boolean;
  /**
   * inside its tolerance only because the tolerance of its kind is wide: the error exceeds the
   * tightest tolerance (a paper's) and the set's leave-one-out band would not have covered it
   */
  readonly onlyByWideTolerance: boolean;
  readonly fitted: boolean;
  readonly knownMiss?: string;
  readonly source: string;
}

export interface CheckResult {
  readonly id: string;
  readonly op: string;
  readonly published: number;
  readonly predicted: number;
  readonly pass: boolean;
  readonly detail: string;
}

export interface MetricSummary {
  readonly references: number;
  readonly mapePct: number;
  readonly looMapePct: number;
}

export interface SetResult {
  readonly id: string;
  readonly file: string;
  readonly hardware: readonly string[];
  readonly references: readonly string[];
  readonly values: Readonly<Partial<Record<ParamName, number>>>;
  readonly mapePct: number;
  readonly looMapePct: number;
  /** fit and leave-one-out error by metric class (decode, prefill, throughput) */
  readonly byMetric: Readonly<Partial<Record<MetricClass, MetricSummary>>>;
  /**
   * fitted parameters none of the set's references depends on (e.g. the hand-off between
   * wafers when every reference runs on one): they keep the middle of their range, or the
   * value the stacks on the same chips share
   */
  readonly unidentified: readonly string[];
  /** fitted parameters within 2% of a bound of their range: a sign of missing physics */
  readonly atBounds: readonly string[];
  /** what bands are built from: each fitted reference's leave-one-out error and conditions */
  readonly leaveOneOut: Readonly<Record<string, LooRecord>>;
}

export interface CalibrationReport {
  readonly references: readonly ReferenceResult[];
  readonly checks: readonly CheckResult[];
  readonly sets: readonly SetResult[];
  /** over the fitted references */
  readonly mapePct: number;
  readonly looMapePct: number;
  /** share of fitted references inside their own leave-one-out band, and the band's stated level */
  readonly coverage: { readonly share: number; readonly level: number; readonly references: number };
  readonly fitted: boolean;
}

export interface Case {
  readonly ref: Reference | Check;
  readonly prepared: Prepared;
}

/** "--cores-per-layer" -> "coresPerLayer": the condition a command-line flag stands for. */
const conditionOf = (flag: string) => flag.slice(2).replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());

function prepareCase(ref: Reference | Check, file: string): Case {
  try {
    return prepareCaseOf(ref);
  } catch (err) {
    // Problems the engine reports against a flag belong to the reference's conditions here.
    if (err instanceof InputError) {
      throw new InputError(err.issues.map((i) => (i.file.startsWith("--") ? { ...i, file, path: `${ref.id}.conditions.${conditionOf(i.file)}` } : i)), { cause: err });
    }
    throw err;
  }
}

function prepareCaseOf(ref: Reference | Check): Case {
  const c = ref.conditions;
  const model = loadModel(c.model);
  const hw = loadHardware(c.hardware);
  const set = parameterSetFor(hw, c.software);
  const draftId = c.speculation === "stack" ? set.speculation?.draft : c.speculation?.draft;
  if (c.speculation === "stack" && !set.speculation) throw inputError({ file: "--stack-speculation", path: "", problem: `the software set ${set.id} declares no speculation`, expected: "a set with a speculation block" });
  const draft = draftId !== undefined && draftId !== "head" ? loadModel(draftId) : undefined;
  return {
    ref,
    prepared: prepareFrom(model, hw, {
      software: c.software,
      ...(c.chips !== undefined ? { chips: c.chips } : {}),
      ...(c.coresPerLayer !== undefined ? { coresPerLayer: c.coresPerLayer } : {}),
      ...(c.precision !== undefined ? { precision: c.precision } : {}),
      ...(c.tensorParallel !== undefined ? { tensorParallel: c.tensorParallel } : {}),
      ...(c.pipelineStages !== undefined ? { pipelineStages: c.pipelineStages } : {}),
    }, draft),
  };
}

/** The speculation a reference was measured with, under these parameter values. */
function specOf(c: Conditions, pr: Prepared, plan: Plan, params: Params, batch: number): { draftTokens: number; acceptance: number } | undefined {
  const s = c.speculation;
  if (s === undefined) return undefined;
  if (s === "stack") {
    const declared = pr.parameterSet.speculation!;
    const acceptance = getParam(params, "speculationAcceptance")!;
    const k = declared.draftTokens === "best" ? bestDraftTokens(plan, batch, c.promptTokens, c.outputTokens, acceptance) : declared.draftTokens;
    return k > 0 ? { draftTokens: k, acceptance } : undefined;
  }
  return {
    draftTokens: s.draftTokens, acceptance: s.acceptance ?? acceptanceFor(s.draftTokens, s.acceptedPerStep!),
    ...(s.verifyTokens !== undefined ? { verifyTokens: s.verifyTokens } : {}), ...(s.draftWidth !== undefined ? { draftWidth: s.draftWidth } : {}),
  };
}

/** Predicts a case's metric with the given parameter values. The published value is not an input. */
export function predictCase(c: Case, params: Params, batch?: number): number {
  const k = c.ref.conditions;
  const pr: Prepared = { ...c.prepared, params };
  const plan = new Plan(pr);
  const b = batch ?? k.batch;
  const pt = plan.evaluate(b, k.promptTokens, k.outputTokens, specOf(k, pr, plan, params, b));
  if (pt.why !== "") return NaN;
  switch (c.ref.metric) {
    case "decode.tokensPerSecondPerUser": return 1 / pt.tpot;
    case "prefill.seconds": return pt.prefillSeconds;
    case "ttftSeconds": return pt.prefillSeconds;
    case "throughput.outputTokensPerSecond": return (b * k.outputTokens) / (pt.prefillSeconds + (k.outputTokens - 1) * pt.tpot);
  }
}

/** Fitted parameters of a set: its kind's, with the speculation acceptance only where declared. */
export function fittedDefs(set: ParameterSet): ParameterDef[] {
  return defsOf(set.kind).filter((d) => d.fitted && (!d.optional || set.speculation !== undefined));
}

/**
 * Where every fit starts, and what its ridge term pulls towards: the middle of each fitted
 * parameter's physical range (geometric middle for ranges spanning decades). It does not
 * depend on stored values, so a fit, and above all a leave-one-out fit, never starts from
 * parameters that saw the reference. Parameters that are not fitted keep their sourced values.
 */
export function priorParams(set: ParameterSet, stored: Params): Params {
  const mid: Partial<Record<ParamName, number>> = {};
  for (const d of fittedDefs(set)) mid[d.name] = toValue({ lo: d.bounds[0], hi: d.bounds[1] }, 0);
  return withParams(stored, mid);
}

/** The metric and conditions as one key, whatever order the file wrote the conditions in. */
function sameConditions(r: Reference | Check): string {
  const cond = Object.entries(r.conditions).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(Object.entries(v as object).sort()) : v]);
  return JSON.stringify([r.metric, cond.sort(([a], [b]) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0))]);
}

function residualOf(c: Case, params: Params): number {
  const r = c.ref as Reference;
  const p = predictCase(c, params);
  // A reference the deployment cannot hold pulls hard, so a fit never hides behind it.
  if (!Number.isFinite(p) || p <= 0) return 1e3;
  return Math.log(p / r.published) / Math.log(1 + r.tolerancePct / 100);
}

interface FitGroup {
  readonly set: ParameterSet;
  /** the set's stored values with its fitted parameters at the middle of their ranges */
  readonly prior: Params;
}

interface Entry {
  readonly group: FitGroup;
  readonly cases: Case[];
}

/**
 * The parameter sets whose hardware-scope parameters are one: sets whose hardware lists share
 * an id, joined transitively (a set listing several GPUs joins every set on any of them), and
 * every wafer set, since the wafers share their mesh: "Cerebras WSE-3 retains the same NoC
 * configuration" as WSE-2 (WaferLLM, OSDI 2025, section 8).
 */
function sameChips(entries: readonly Entry[]): Entry[][] {
  const out: Entry[][] = [];
  const shares = (a: ParameterSet, b: ParameterSet) => a.kind === b.kind && (a.kind === "wafer" || a.hardware.some((h) => b.hardware.includes(h)));
  for (const e of entries) {
    const touching = out.filter((grp) => grp.some((o) => shares(o.group.set, e.group.set)));
    const merged = [e, ...touching.flat()];
    for (const t of touching) out.splice(out.indexOf(t), 1);
    out.push(merged);
  }
  return out;
}

/**
 * One joint fit for every stack that runs on the same chips (sameChips). Parameters of
 * hardware scope (a hop across the mesh, a hand-off between wafers) are properties of the chips
 * and their links, which software does not change: one value, fitted to every such stack's
 * references at once. Parameters of software scope (efficiencies, synchronisation, collective
 * library start-up, per-step overhead, a declared speculation's acceptance) are fitted per
 * stack. Everything starts from the middle of its physical range; a stack with no references
 * keeps its software parameters there.
 */
function fitChips(groups: readonly FitGroup[], cases: ReadonlyMap<FitGroup, readonly Case[]>): Map<FitGroup, Params> {
  const trained = groups.filter((g) => (cases.get(g) ?? []).length > 0);
  const hwDefs = new Map<string, ParameterDef>();
  for (const g of groups) for (const d of fittedDefs(g.set)) if (d.scope === "hardware") hwDefs.set(d.name, d);
  const layout = [
    ...[...hwDefs.values()].map((d) => ({ d, g: undefined as FitGroup | undefined })),
    ...trained.flatMap((g) => {
      const hold = held(g, cases.get(g)!);
      return fittedDefs(g.set).filter((d) => d.scope === "software" && !hold.has(d.name)).map((d) => ({ d, g: g as FitGroup | undefined }));
    }),
  ];
  const start = layout.map(({ d, g }) => getParam((g ?? groups[0]!).prior, d.name)!);
  const paramsOf = (g: FitGroup, x: readonly number[]): Params => {
    const changes: Partial<Record<ParamName, number>> = {};
    layout.forEach(({ d, g: owner }, i) => {
      if (owner === undefined || owner === g) changes[d.name] = x[i]!;
    });
    return withParams(g.prior, changes);
  };
  // A stack's residuals change only with its own values: remember the last ones per stack, so
  // the finite differences of another stack's parameters cost nothing here.
  const memo = new Map<FitGroup, { key: string; r: number[] }>();
  const residuals = (x: number[]) =>
    trained.flatMap((g) => {
      const params = paramsOf(g, x);
      const key = fittedDefs(g.set).map((d) => getParam(params, d.name)).join(",");
      const hit = memo.get(g);
      if (hit && hit.key === key) return hit.r;
      const r = cases.get(g)!.map((c) => residualOf(c, params));
      memo.set(g, { key, r });
      return r;
    });
  const res = trained.length > 0 ? fitLeastSquares(residuals, start, layout.map(({ d }) => ({ lo: d.bounds[0], hi: d.bounds[1] }))).values : start;
  return new Map(groups.map((g) => [g, paramsOf(g, res)]));
}

/**
 * Fitted parameters `cases` do not pin: moving one from the bottom of its physical range to the
 * top (the others where `params` has them) moves no reference by as much as its tolerance. Such
 * a parameter only fits noise: the fit could push it anywhere in its range for a fraction of a
 * percent (NVLink efficiency in a set of batch-1 decodes, whose all-reduces carry a few kB), so
 * it is held at the middle of its range and named as assumed, not reported as measured.
 */
function unidentified(set: ParameterSet, cases: readonly Case[], params: Params, defs: readonly ParameterDef[] = fittedDefs(set)): string[] {
  return defs.filter((d) => {
    const lo = withParams(params, { [d.name]: d.bounds[0] });
    const hi = withParams(params, { [d.name]: d.bounds[1] });
    return cases.every((c) => {
      const a = residualOf(c, lo);
      const b = residualOf(c, hi);
      return a === b || Math.abs(a - b) < 1;
    });
  }).map((d) => d.name);
}

/** The software-scope parameters a stack's fit holds at the middle of their ranges: those its cases do not pin, judged from there. */
function held(g: FitGroup, cases: readonly Case[]): Set<string> {
  return new Set(unidentified(g.set, cases, g.prior, fittedDefs(g.set).filter((d) => d.scope === "software")));
}

/** Fitted parameters within 2% of a bound: at most 2% above the lower bound, or 2% below the upper one. */
export function nearBounds(set: ParameterSet, params: Params, skip: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of fittedDefs(set)) {
    if (skip.includes(d.name)) continue;
    const v = getParam(params, d.name)!;
    const [lo, hi] = d.bounds;
    const low = v <= lo + 0.02 * Math.abs(lo);
    const high = v >= hi - 0.02 * Math.abs(hi);
    if (low || high) out.push(`${d.name} = ${v.toPrecision(3)} is within 2% of its ${low ? "lower" : "upper"} bound (${d.why})`);
  }
  return out;
}

const pct = (pred: number, pub: number) => (100 * (pred - pub)) / pub;
const mape = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + Math.abs(x), 0) / xs.length);

function summaries(rows: readonly ReferenceResult[]): Partial<Record<MetricClass, MetricSummary>> {
  const out: Partial<Record<MetricClass, MetricSummary>> = {};
  for (const cls of ["decode", "prefill", "throughput"] as const) {
    const xs = rows.filter((r) => r.fitted && metricClass(r.metric) === cls);
    if (xs.length > 0) out[cls] = { references: xs.length, mapePct: mape(xs.map((x) => x.errorPct)), looMapePct: mape(xs.map((x) => x.looErrorPct)) };
  }
  return out;
}

/** The conditions of a reference that tell how far a prediction extrapolates from it. */
function looRecord(c: Case, metric: string, looErrorPct: number, chips: number): LooRecord {
  const k = c.ref.conditions;
  return { metric, errorPct: Number(looErrorPct.toFixed(3)), params: c.prepared.model.params.totalParams, batch: k.batch, context: k.promptTokens + k.outputTokens, chips };
}

/**
 * Runs the calibration. `refit: false` reports the stored parameters (what predictions use);
 * leave-one-out always refits, since it is about how well a fit generalises.
 *
 * Leave-one-out repeats the joint fit of the chips the reference ran on without the reference
 * and every one measured under the same conditions (a vendor figure and an independent
 * measurement of the same thing), starting from the middle of the ranges.
 */
export function calibrate(opts: { refit: boolean; file?: string } = { refit: true }): CalibrationReport {
  const { references, checks } = loadReferences(opts.file);
  const refFile = opts.file ?? REFERENCES_FILE;
  const cases = references.map((r) => prepareCase(r, refFile));
  const bySet = new Map<string, Entry>();
  for (const c of cases) {
    const set = c.prepared.parameterSet;
    if (!bySet.has(set.file)) bySet.set(set.file, { group: { set, prior: priorParams(set, c.prepared.params) }, cases: [] });
    bySet.get(set.file)!.cases.push(c);
  }
  const entries = [...bySet.values()];
  const isTrain = (c: Case) => (c.ref as Reference).fit;
  const chipGroups = sameChips(entries);
  const fitGroup = (of: readonly Entry[], keep: (c: Case) => boolean): Map<FitGroup, Params> =>
    fitChips(of.map((e) => e.group), new Map(of.map((e) => [e.group, e.cases.filter((c) => isTrain(c) && keep(c))])));
  const full = new Map<FitGroup, Params>();
  if (opts.refit) for (const of of chipGroups) for (const [g, p] of fitGroup(of, () => true)) full.set(g, p);

  const results: ReferenceResult[] = [];
  const sets: SetResult[] = [];
  const fittedParams = new Map<string, Params>();
  for (const of of chipGroups) {
    // Leave-one-out: one refit of these chips per distinct condition, without it.
    const looFits = new Map<string, Map<FitGroup, Params>>();
    for (const { group, cases: all } of of) {
      const set = group.set;
      const stored = all[0]!.prepared.params;
      const params = opts.refit && all.some(isTrain) ? full.get(group)! : stored;
      fittedParams.set(set.file, params);
      const rows: ReferenceResult[] = [];
      const loo: Record<string, LooRecord> = {};
      for (const c of all) {
        const r = c.ref as Reference;
        const predicted = predictCase(c, params);
        let looPredicted = predicted;
        if (r.fit) {
          const key = sameConditions(c.ref);
          if (!looFits.has(key)) looFits.set(key, fitGroup(of, (t) => sameConditions(t.ref) !== key));
          looPredicted = predictCase(c, looFits.get(key)!.get(group)!);
          const chips = new Plan({ ...c.prepared, params }).evaluate(r.conditions.batch, r.conditions.promptTokens, r.conditions.outputTokens).layout.chips;
          loo[r.id] = looRecord(c, r.metric, pct(looPredicted, r.published), chips);
        }
        const errorPct = pct(predicted, r.published);
        rows.push({
          id: r.id, set: `${set.hardware.join(",")}/${set.software.id}`, metric: r.metric, kind: r.kind,
          published: r.published, predicted, errorPct, looErrorPct: pct(looPredicted, r.published),
          tolerancePct: r.tolerancePct, withinTolerance: Math.abs(errorPct) <= r.tolerancePct, onlyByWideTolerance: false, fitted: r.fit,
          ...(r.knownMiss ? { knownMiss: r.knownMiss } : {}), source: r.source,
        });
      }
      const fitRows = rows.filter((x) => x.fitted);
      const train = all.filter(isTrain);
      // judged from the middle of the ranges, as the fit decided what to hold
      const unid = unidentified(set, train, group.prior);
      const values: Partial<Record<ParamName, number>> = {};
      for (const d of fittedDefs(set)) values[d.name] = getParam(params, d.name)!;
      sets.push({
        id: set.software.id, file: set.file, hardware: set.hardware, references: fitRows.map((x) => x.id), values,
        mapePct: mape(fitRows.map((x) => x.errorPct)), looMapePct: mape(fitRows.map((x) => x.looErrorPct)),
        byMetric: summaries(rows), unidentified: unid, atBounds: nearBounds(set, params, unid), leaveOneOut: loo,
      });
      results.push(...rows);
    }
  }
  const coverage = bandCoverage(sets.map((s) => ({ kind: bySetKind(s, entries), records: s.leaveOneOut })));
  // A reference inside its tolerance only because its kind's tolerance is wide: outside a
  // paper's 10% and outside what the set's own leave-one-out band would cover.
  const flagged = new Set(coverage.outside);
  const marked = results.map((r) => ({ ...r, onlyByWideTolerance: r.fitted && r.withinTolerance && Math.abs(r.errorPct) > 10 && flagged.has(r.id) }));
  const checkResults = checks.map((ch) => runCheck(prepareCase(ch, refFile), fittedParams));
  const fitRows = marked.filter((r) => r.fitted);
  return {
    references: marked, checks: checkResults, sets,
    mapePct: mape(fitRows.map((r) => r.errorPct)), looMapePct: mape(fitRows.map((r) => r.looErrorPct)),
    coverage: { share: coverage.share, level: coverage.level, references: coverage.references },
    fitted: opts.refit,
  };
}

function bySetKind(s: SetResult, entries: readonly Entry[]): "wafer" | "gpu" {
  return entries.find((e) => e.group.set.file === s.file)!.group.set.kind;
}

/**
 * A seed figure checked as a bound. ">" and "<": the prediction at the stated conditions.
 * "reachable": the per-user speed at batch 1 must be at least the figure and the largest batch
 * the chips hold must be below it (so some production batch gives it); the batch where it is
 * met is reported, found by bisection on a speed that falls with batch.
 */
function runCheck(c: Case, fitted: Map<string, Params>): CheckResult {
  const ch = c.ref as Check;
  const params = fitted.get(c.prepared.parameterSet.file) ?? c.prepared.params;
  const predicted = predictCase(c, params);
  if (ch.op === ">") return { id: ch.id, op: ch.op, published: ch.published, predicted, pass: predicted > ch.published, detail: `predicted ${predicted.toPrecision(4)} at the stated conditions` };
  if (ch.op === "<") return { id: ch.id, op: ch.op, published: ch.published, predicted, pass: predicted < ch.published, detail: `predicted ${predicted.toPrecision(4)} at the stated conditions` };
  const at = (b: number): number => predictCase(c, params, b);
  let hi = 1;
  while (hi < 1 << 16 && Number.isFinite(at(hi * 2))) hi *= 2;
  const atMax = at(hi);
  const at1 = at(1);
  const pass = at1 >= ch.published && atMax <= ch.published;
  if (!pass) return { id: ch.id, op: ch.op, published: ch.published, predicted: at1, pass, detail: `per-user speed spans ${atMax.toFixed(0)} (batch ${hi}) to ${at1.toFixed(0)} (batch 1)` };
  let lo = 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid) >= ch.published) lo = mid; else hi = mid;
  }
  return { id: ch.id, op: ch.op, published: ch.published, predicted: at(lo), pass, detail: `reached at batch ${lo} (${at(lo).toFixed(1)} tok/s per user); batch 1 gives ${at1.toFixed(0)}, batch ${hi} ${atMax.toFixed(0)}` };
}

export { parameterSetFor };
