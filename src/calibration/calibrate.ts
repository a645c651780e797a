import { loadHardware } from "../hardware/load.js";
import { loadModel } from "../model/load.js";
import { evaluate, prepareFrom, type Prediction, type Prepared } from "../engine/predict.js";
import { PARAMETER_DEFS, parameterSetFor, type ParameterDef, type ParameterSet, type Params } from "../engine/parameters.js";
import { fitLeastSquares, toValue } from "./fit.js";
import { loadReferences, REFERENCES_FILE, type Check, type Metric, type Reference } from "./references.js";
import { InputError } from "../errors.js";

/**
 * Calibration: group references by the parameter set (hardware, software stack) they belong
 * to, fit each set's fitted parameters by least squares on log error (each residual divided by
 * its tolerance, so a vendor figure pulls less than a paper's), and report every reference's
 * error and leave-one-out error (predicted by a fit that did not see it).
 *
 * Predicting a reference uses only its conditions; the published value enters the residual,
 * never the prediction.
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

export interface SetResult {
  readonly id: string;
  readonly file: string;
  readonly hardware: readonly string[];
  readonly references: readonly string[];
  readonly values: Readonly<Record<string, number>>;
  readonly mapePct: number;
  readonly looMapePct: number;
  /**
   * fitted parameters none of the set's references depends on (e.g. the hand-off between
   * wafers when every reference runs on one): they keep the middle of their range, or the
   * value the stacks on the same chips share
   */
  readonly unidentified: readonly string[];
}

export interface CalibrationReport {
  readonly references: readonly ReferenceResult[];
  readonly checks: readonly CheckResult[];
  readonly sets: readonly SetResult[];
  /** over the fitted references */
  readonly mapePct: number;
  readonly looMapePct: number;
  readonly fitted: boolean;
}

export function metricOf(p: Prediction, metric: Metric): number {
  switch (metric) {
    case "decode.tokensPerSecondPerUser": return p.decode.tokensPerSecondPerUser;
    case "prefill.seconds": return p.prefill.seconds;
    case "ttftSeconds": return p.ttftSeconds;
  }
}

interface Case {
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
  return {
    ref,
    prepared: prepareFrom(model, hw, { software: c.software, ...(c.chips !== undefined ? { chips: c.chips } : {}), ...(c.coresPerLayer !== undefined ? { coresPerLayer: c.coresPerLayer } : {}), ...(c.precision !== undefined ? { precision: c.precision } : {}) }),
  };
}

/** Predicts a case's metric with the given parameter values. The published value is not an input. */
export function predictCase(c: Case, params: Params, batch?: number): number {
  const k = c.ref.conditions;
  return metricOf(evaluate({ ...c.prepared, params }, { batch: batch ?? k.batch, promptTokens: k.promptTokens, outputTokens: k.outputTokens }), c.ref.metric);
}

function fittedDefs(set: ParameterSet): ParameterDef[] {
  return PARAMETER_DEFS.filter((d) => d.kind === set.kind && d.fitted);
}

/**
 * Where every fit starts, and what its ridge term pulls towards: the middle of each fitted
 * parameter's physical range (geometric middle for ranges spanning decades). It does not
 * depend on stored values, so a fit, and above all a leave-one-out fit, never starts from
 * parameters that saw the reference. Parameters that are not fitted keep their sourced values.
 */
export function priorParams(set: ParameterSet, stored: Params): Params {
  return { ...stored, ...Object.fromEntries(fittedDefs(set).map((d) => [d.name, toValue({ lo: d.bounds[0], hi: d.bounds[1] }, 0)])) };
}

/** The metric and conditions as one key, whatever order the file wrote the conditions in. */
function sameConditions(r: Reference | Check): string {
  return JSON.stringify([r.metric, Object.entries(r.conditions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

function residualOf(c: Case, params: Params): number {
  const r = c.ref as Reference;
  return Math.log(predictCase(c, params) / r.published) / Math.log(1 + r.tolerancePct / 100);
}

interface FitGroup {
  readonly set: ParameterSet;
  /** the set's stored values with its fitted parameters at the middle of their ranges */
  readonly prior: Params;
}

/**
 * The parameter sets that run on the same chips: sets whose hardware lists share an id, joined
 * transitively (a set listing several GPUs joins every set on any of them).
 */
function sameChips<E extends { readonly group: FitGroup }>(entries: readonly E[]): E[][] {
  const out: E[][] = [];
  for (const e of entries) {
    const touching = out.filter((grp) => grp.some((o) => o.group.set.kind === e.group.set.kind && o.group.set.hardware.some((h) => e.group.set.hardware.includes(h))));
    const merged = [e, ...touching.flat()];
    for (const t of touching) out.splice(out.indexOf(t), 1);
    out.push(merged);
  }
  return out;
}

/**
 * One joint fit for every stack that runs on the same chips (sameChips). Parameters of
 * hardware scope (a hop across the mesh, a hand-off between wafers, an all-reduce's start-up
 * over NVLink) are properties of the chips and their links, which software does not change:
 * one value, fitted to every such stack's references at once, so the figures of one stack
 * inform the others on the same chips. Parameters of software scope (efficiencies,
 * synchronisation, per-step overhead) are fitted per stack. Everything starts from the middle
 * of its physical range; a stack with no references keeps its software parameters there.
 */
function fitChips(groups: readonly FitGroup[], cases: ReadonlyMap<FitGroup, readonly Case[]>): Map<FitGroup, Params> {
  const defs = fittedDefs(groups[0]!.set);
  const hw = defs.filter((d) => d.scope === "hardware");
  const sw = defs.filter((d) => d.scope === "software");
  const trained = groups.filter((g) => (cases.get(g) ?? []).length > 0);
  const layout = [...hw.map((d) => ({ d, g: undefined as FitGroup | undefined })), ...trained.flatMap((g) => sw.map((d) => ({ d, g: g as FitGroup | undefined })))];
  const start = layout.map(({ d, g }) => (g ?? groups[0]!).prior[d.name]!);
  const paramsOf = (g: FitGroup, x: readonly number[]): Params => {
    const out: Record<string, number> = { ...g.prior };
    layout.forEach(({ d, g: owner }, i) => {
      if (owner === undefined || owner === g) out[d.name] = x[i]!;
    });
    return out;
  };
  // A stack's residuals change only with its own values: remember the last ones per stack, so
  // the finite differences of another stack's parameters cost nothing here.
  const memo = new Map<FitGroup, { key: string; r: number[] }>();
  const residuals = (x: number[]) =>
    trained.flatMap((g) => {
      const params = paramsOf(g, x);
      const key = defs.map((d) => params[d.name]).join(",");
      const hit = memo.get(g);
      if (hit && hit.key === key) return hit.r;
      const r = cases.get(g)!.map((c) => residualOf(c, params));
      memo.set(g, { key, r });
      return r;
    });
  const res = trained.length > 0 ? fitLeastSquares(residuals, start, layout.map(({ d }) => ({ lo: d.bounds[0], hi: d.bounds[1] }))).values : start;
  return new Map(groups.map((g) => [g, paramsOf(g, res)]));
}

/** Fitted parameters none of `cases` depends on: changing them by half moves no prediction. */
function unidentified(set: ParameterSet, cases: readonly Case[], params: Params): string[] {
  const base = cases.map((c) => predictCase(c, params));
  return fittedDefs(set).filter((d) => cases.every((c, i) => predictCase(c, { ...params, [d.name]: params[d.name]! * 1.5 }) === base[i])).map((d) => d.name);
}

const pct = (pred: number, pub: number) => (100 * (pred - pub)) / pub;
const mape = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + Math.abs(x), 0) / xs.length);

/**
 * Runs the calibration. `refit: false` reports the stored parameters (what predictions use);
 * leave-one-out always refits, since it is about how well a fit generalises.
 *
 * Leave-one-out repeats the joint fit of the reference's kind of hardware without the
 * reference and every one measured under the same conditions (a vendor figure and an
 * independent measurement of the same thing), starting from the middle of the ranges.
 */
export function calibrate(opts: { refit: boolean; file?: string } = { refit: true }): CalibrationReport {
  const { references, checks } = loadReferences(opts.file);
  const refFile = opts.file ?? REFERENCES_FILE;
  const cases = references.map((r) => prepareCase(r, refFile));
  const bySet = new Map<string, { group: FitGroup; cases: Case[] }>();
  for (const c of cases) {
    const set = c.prepared.parameterSet;
    if (!bySet.has(set.file)) bySet.set(set.file, { group: { set, prior: priorParams(set, c.prepared.params) }, cases: [] });
    bySet.get(set.file)!.cases.push(c);
  }
  const entries = [...bySet.values()];
  const isTrain = (c: Case) => (c.ref as Reference).fit;
  /** joint fits per kind of hardware over the training cases that pass `keep` */
  const chipGroups = sameChips(entries);
  const fitAll = (keep: (c: Case) => boolean): Map<FitGroup, Params> => {
    const out = new Map<FitGroup, Params>();
    for (const of of chipGroups) {
      const fits = fitChips(of.map((e) => e.group), new Map(of.map((e) => [e.group, e.cases.filter((c) => isTrain(c) && keep(c))])));
      for (const [g, p] of fits) out.set(g, p);
    }
    return out;
  };
  const full = opts.refit ? fitAll(() => true) : undefined;

  const results: ReferenceResult[] = [];
  const sets: SetResult[] = [];
  const fittedParams = new Map<string, Params>();
  const looFits = new Map<string, Map<FitGroup, Params>>();
  for (const { group, cases: all } of entries) {
    const set = group.set;
    const stored = all[0]!.prepared.params;
    const params = full && all.some(isTrain) ? full.get(group)! : stored;
    fittedParams.set(set.file, params);
    const setRows: ReferenceResult[] = [];
    for (const c of all) {
      const r = c.ref as Reference;
      const predicted = predictCase(c, params);
      let looPredicted = predicted;
      if (r.fit) {
        const key = sameConditions(c.ref);
        if (!looFits.has(key)) looFits.set(key, fitAll((t) => sameConditions(t.ref) !== key));
        looPredicted = predictCase(c, looFits.get(key)!.get(group)!);
      }
      const errorPct = pct(predicted, r.published);
      setRows.push({
        id: r.id, set: `${set.hardware.join(",")}/${set.software.id}`, metric: r.metric, kind: r.kind,
        published: r.published, predicted, errorPct, looErrorPct: pct(looPredicted, r.published),
        tolerancePct: r.tolerancePct, withinTolerance: Math.abs(errorPct) <= r.tolerancePct, fitted: r.fit,
        ...(r.knownMiss ? { knownMiss: r.knownMiss } : {}), source: r.source,
      });
    }
    results.push(...setRows);
    const fitRows = setRows.filter((x) => x.fitted);
    const train = all.filter(isTrain);
    sets.push({
      id: set.software.id, file: set.file, hardware: set.hardware, references: fitRows.map((x) => x.id),
      values: Object.fromEntries(fittedDefs(set).map((d) => [d.name, params[d.name]!])),
      mapePct: mape(fitRows.map((x) => x.errorPct)), looMapePct: mape(fitRows.map((x) => x.looErrorPct)),
      unidentified: unidentified(set, train, params),
    });
  }
  const checkResults = checks.map((ch) => runCheck(prepareCase(ch, refFile), fittedParams));
  const fitRows = results.filter((r) => r.fitted);
  return {
    references: results, checks: checkResults, sets,
    mapePct: mape(fitRows.map((r) => r.errorPct)), looMapePct: mape(fitRows.map((r) => r.looErrorPct)),
    fitted: opts.refit,
  };
}

function runCheck(c: Case, fitted: Map<string, Params>): CheckResult {
  const ch = c.ref as Check;
  const params = fitted.get(c.prepared.parameterSet.file) ?? c.prepared.params;
  const predicted = predictCase(c, params);
  if (ch.op === ">") return { id: ch.id, op: ch.op, published: ch.published, predicted, pass: predicted > ch.published, detail: `predicted ${predicted.toFixed(0)} at the stated conditions` };
  if (ch.op === "<") return { id: ch.id, op: ch.op, published: ch.published, predicted, pass: predicted < ch.published, detail: `predicted ${predicted.toFixed(0)}` };
  // reachable: is the published per-user speed between batch 1 and the largest batch that fits?
  let lo = 1;
  let hi = 1;
  const fits = (b: number) => {
    try {
      return predictCase(c, params, b);
    } catch {
      return undefined;
    }
  };
  while (hi < 1 << 16 && fits(hi * 2) !== undefined) hi *= 2;
  const atMax = fits(hi)!;
  const at1 = fits(1)!;
  if (!(at1 >= ch.published && atMax <= ch.published)) {
    return { id: ch.id, op: ch.op, published: ch.published, predicted: at1, pass: false, detail: `per-user speed spans ${atMax.toFixed(0)} (batch ${hi}) to ${at1.toFixed(0)} (batch 1)` };
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)! >= ch.published) lo = mid; else hi = mid;
  }
  return { id: ch.id, op: ch.op, published: ch.published, predicted: fits(lo)!, pass: true, detail: `reached at batch ${lo} (${fits(lo)!.toFixed(1)} tok/s per user); batch 1 gives ${at1.toFixed(0)}` };
}

export { parameterSetFor };
