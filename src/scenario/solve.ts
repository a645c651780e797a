import { InputError, inputError, type Issue } from "../errors.js";
import { expandRange } from "./axes.js";
import { DIMENSIONS } from "../units/dimensions.js";
import { formatSeconds, formatSi } from "../units/format.js";
import { METRICS, type Metric } from "./fast.js";
import { isRelative, keyDef, type KeyDef, type Relative, type Value } from "./keys.js";
import type { Axis, Scenario } from "./load.js";
import { makePlan, type Cell } from "./plan.js";
import { provenanceOf, type RunProvenance } from "./provenance.js";
import type { Prepared } from "../engine/predict.js";
import { SESSION_METRICS, type SessionMetric } from "./session.js";

export type Op = ">=" | "<=" | ">" | "<";

export interface Target {
  readonly metric: Metric | SessionMetric;
  readonly op: Op;
  readonly value: number;
}

const NUMERIC_METRICS = METRICS.filter((m) => m !== "decode.bound" && m !== "memory.fits");
/** Session metrics that are not also prediction metrics (hardware.chips, model.totalParams are both). */
const SESSION_ONLY = SESSION_METRICS.filter((m) => !(METRICS as readonly string[]).includes(m));

export type Goal = "maximize" | "minimize";

/** Most values evaluated for --maximize/--minimize: every listed value is tried (no bisection). */
export const MAX_OPTIMIZE_VALUES = 1024;

/**
 * `--maximize <metric>` / `--minimize <metric>` as a target every value that runs meets (the
 * largest finite number as the bound, never Infinity): each row then evaluates every value and
 * reports its optimum.
 */
export function goalTarget(goal: Goal, metric: string): Target {
  const t = parseTarget(`${metric}${goal === "maximize" ? ">=" : "<="}0`);
  return { ...t, value: goal === "maximize" ? -Number.MAX_VALUE : Number.MAX_VALUE };
}

/** Parses `--target decode.tokensPerSecondPerUser>=1000`. */
export function parseTarget(text: string): Target {
  const m = /^\s*([A-Za-z.]+)\s*(>=|<=|>|<)\s*([-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*$/.exec(text);
  if (!m) throw inputError({ file: "--target", path: "", problem: "not a target", got: JSON.stringify(text), expected: "<metric><op><number> with op one of >=, <=, >, <, e.g. decode.tokensPerSecondPerUser>=1000 (SI units: seconds, bytes)" });
  const metric = m[1] as Metric | SessionMetric;
  if (!(NUMERIC_METRICS as readonly string[]).includes(metric) && !(SESSION_ONLY as readonly string[]).includes(metric)) {
    throw inputError({ file: "--target", path: "", problem: "unknown metric", got: JSON.stringify(m[1]), expected: `one of ${NUMERIC_METRICS.join(", ")}; for scenarios with task: ${SESSION_ONLY.join(", ")}` });
  }
  return { metric, op: m[2] as Op, value: Number(m[3]) };
}

function meets(t: Target, v: number): boolean {
  if (Number.isNaN(v)) return false;
  switch (t.op) {
    case ">=": return v >= t.value;
    case "<=": return v <= t.value;
    case ">": return v > t.value;
    case "<": return v < t.value;
  }
}

/** Why the region that meets the target ends on one side. */
export type EdgeReason = "target" | "memory" | "context window" | "range";

/** The first value past an edge, and what happened there. */
export interface Beyond {
  readonly text: string;
  /** the target metric there (null when the point could not run) */
  readonly metric: number | null;
  /** why the point could not run ("" when it ran) */
  readonly note: string;
}

/** The value of the varied key at one edge of the region that meets the target. */
export interface Edge {
  readonly value: Cell;
  readonly text: string;
  /** the target metric there, and the chips and model size of that point */
  readonly metric: number;
  readonly chips: number;
  readonly totalParams: number;
  /** true when the edge is the end of the searched range (the target is met beyond it, too) */
  readonly atRangeEnd: boolean;
  /** why the region ends here: the next value misses the target, does not fit, exceeds the context window, or the range ends */
  readonly endsBecause: EdgeReason;
  /** the next value out, when the range goes on */
  readonly beyond: Beyond | null;
}

/** One evaluated value of the varied key. */
export interface Evaluated {
  readonly value: Cell;
  readonly text: string;
  readonly metric: number | null;
  readonly note: string;
}

export interface SolveRow {
  /** the values of the other axes */
  readonly fixed: Readonly<Record<string, Cell>>;
  readonly lowest: Edge | null;
  readonly highest: Edge | null;
  /** when nothing meets the target: the best value of the metric reached, and where */
  readonly best: Evaluated | null;
  readonly evaluations: number;
  /** every value evaluated, in order of the key (for charts) */
  readonly points: readonly Evaluated[];
  /** with --maximize or --minimize: the value of the key that gives the best metric (null when none could run) */
  readonly optimum?: Evaluated | null;
}

export interface SolveResult {
  readonly target: Target;
  readonly vary: string;
  readonly range: { readonly from: Cell; readonly to: Cell; readonly fromText: string; readonly toText: string; readonly values: number; readonly searched: string };
  readonly rows: readonly SolveRow[];
  /** true when every row has a value that meets the target (with a goal: a value that runs) */
  readonly met: boolean;
  /** --maximize or --minimize: the target is then any value that runs, and each row's optimum is the answer */
  readonly goal?: Goal;
  /** the models, hardware and parameter sets the answer rests on */
  readonly provenance: RunProvenance;
}

interface Eval { readonly ok: boolean; readonly metric: number; readonly chips: number; readonly totalParams: number; readonly note: string; readonly fits: boolean }

/** A range to search, from the command line: raw values as in a scenario file's `{from, to, steps, scale}`. */
export interface RangeGiven {
  readonly from?: unknown;
  readonly to?: unknown;
  readonly steps?: number;
  readonly scale?: string;
}

/** The search range of a key no sweep gives and no --from/--to names (stated in solve's help). */
export function defaultRange(def: KeyDef): Record<string, unknown> | undefined {
  const wide = { steps: 33, scale: "log" };
  if (def.key === "batch") return { from: 1, to: 65536, ...wide };
  // up to 2^20 tokens: past every shipped model's context window, so the window ends the range
  if (def.key === "promptTokens" || def.key === "outputTokens") return { from: 1, to: 1 << 20, ...wide };
  if (def.key === "chips") return { from: 1, to: 64, ...wide };
  if (def.key === "speculation.draftTokens") return { from: 1, to: 16, steps: 16, scale: "linear" };
  if (def.relative) return { from: "x0.01", to: "x100", ...wide };
  if (def.range && def.range.min !== undefined && def.range.max !== undefined) return { from: def.range.min, to: def.range.max, steps: 33, scale: "linear" };
  return undefined;
}

/** The values searched: the scenario's sweep of the key, or the range given, or the key's default range. */
function searchAxis(scenario: Scenario, vary: string, given: RangeGiven | undefined): { axis: Axis; from: string } {
  const swept = scenario.axes.find((a) => a.key === vary);
  const hasRange = given !== undefined && (given.from !== undefined || given.to !== undefined);
  if (swept && !hasRange) return { axis: swept, from: `the scenario's sweep of ${vary}` };
  const issues: Issue[] = [];
  const def = keyDef(vary, "--vary", "", issues);
  if (!def) throw new InputError(issues);
  if (def.role === "task" || def.role === "stack" || def.ref) {
    throw inputError({ file: "--vary", path: "", problem: "not a key with a range", got: JSON.stringify(vary), expected: "a numeric key (batch, promptTokens, chips, speculation.acceptance, hardware.<field>, model.config.<field>, parameters.<name>), or a sweep axis of the scenario" });
  }
  const raw = hasRange ? { steps: 33, scale: "linear", ...defined(given) } : defaultRange(def);
  if (!raw || raw["from"] === undefined || raw["to"] === undefined) {
    throw inputError({ file: "--vary", path: "", problem: `no range to search for ${vary}`, got: JSON.stringify(vary), expected: "--from and --to (with units for a quantity, or x<factor> for a what-if), or a scenario that sweeps the key" });
  }
  const exp = expandRange(def, raw, "", "", issues);
  if (!exp) throw new InputError(issues.map((i) => ({ ...i, file: `--${i.path.replace(/^\./, "") || "vary"}`, path: "" })));
  return { axis: { key: def.key, def, values: exp.values, texts: exp.texts, file: "--vary" }, from: hasRange ? "--from/--to" : `the default range of ${vary}` };
}

function defined(r: RangeGiven | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r ?? {}).filter(([, v]) => v !== undefined));
}

/** Why a point that misses the target misses it, from its note and fit. */
function reasonOf(e: Eval): EdgeReason {
  if (/context window/.test(e.note)) return "context window";
  if (e.note !== "" || !e.fits) return "memory";
  return "target";
}

/**
 * The inverse question: over one key (a sweep axis of the scenario, or any numeric key with a
 * range from --from/--to or its default), the lowest and the highest value that still meet the
 * target, for every combination of the other axes, with why the region ends on each side.
 * Each listed value is evaluated when there are at most 64, otherwise the edges are found by
 * bisection over the list (which assumes the metric is monotone in the key). A numeric edge
 * is then refined between its neighbours: to the whole number for whole-number keys, to 1e-6
 * relative for real ones. When no value meets the target, the row gives the best value reached.
 */
export async function solve(scenario: Scenario, target: Target, vary: string, given?: RangeGiven, goal?: Goal): Promise<SolveResult> {
  if (scenario.zip.includes(vary)) throw inputError({ file: "--vary", path: "", problem: "a zipped axis cannot be varied alone", got: JSON.stringify(vary), expected: "an axis outside zip" });
  const { axis, from: rangeFrom } = searchAxis(scenario, vary, given);
  if (goal && axis.values.length > MAX_OPTIMIZE_VALUES) throw inputError({ file: "--steps", path: "", problem: `too many values to try for --${goal}`, got: String(axis.values.length), expected: `at most ${MAX_OPTIMIZE_VALUES}: every value is evaluated` });
  // Numbers, or relative factors (x0.5), are ordered and refined by their number.
  const relative = axis.values.length > 0 && axis.values.every((v) => isRelative(v));
  const numeric = relative || axis.values.every((v) => typeof v === "number");
  const numOf = (v: Value): number => (isRelative(v) ? v.times : (v as number));
  const valueOf = (n: number): Value => (relative ? ({ times: n } satisfies Relative) : n);
  const order = axis.values.map((_, i) => i);
  if (numeric) order.sort((a, b) => numOf(axis.values[a]!) - numOf(axis.values[b]!));
  const values = order.map((i) => axis.values[i]!);
  const others = scenario.axes.filter((a) => a.key !== axis.key);
  const integer = relative ? false : axis.def.key.startsWith("model.") ? values.every((v) => Number.isInteger(v)) : axis.def.range?.integer ?? true;
  const unit = axis.def.range?.dim ? ` ${DIMENSIONS[axis.def.range.dim].si}` : "";
  const dim = axis.def.range?.dim;
  const textOf = (n: number, round: boolean): string => {
    if (relative) return `x${round ? Number(n.toPrecision(4)) : n}`;
    if (round && dim) return dim === "time" ? formatSeconds(n, 4) : formatSi(n, DIMENSIONS[dim].si, 4);
    return `${integer || !round ? n : Number(n.toPrecision(4))}${unit}`;
  };
  // quantities as people write them (48.04 GB), the rest as the sweep wrote them
  const texts = order.map((i) => (dim && !relative && typeof axis.values[i] === "number" ? textOf(axis.values[i] as number, true) : axis.texts[i]!));
  // The varied key replaces any single value of it.
  const settings = new Map(scenario.settings);
  settings.delete(axis.key);

  // Combinations of the other axes (cartesian; zipped ones together).
  const fixedSets: { axes: Axis[]; cells: Record<string, Cell> }[] = [];
  const otherScenario: Scenario = { ...scenario, settings, axes: others, zip: scenario.zip.filter((k) => k !== vary) };
  const outer = await makePlan(otherScenario);
  const slot = outer.metrics.indexOf(target.metric);
  if (slot < 0) {
    const valid = outer.metrics.filter((m) => m !== "decode.bound" && m !== "memory.fits");
    throw inputError({ file: "--target", path: "", problem: `not a metric of ${scenario.session ? "an agent-session scenario (it has task)" : "a prediction scenario (it has no task)"}`, got: JSON.stringify(target.metric), expected: `one of ${valid.join(", ")}` });
  }
  const chipsSlot = outer.metrics.indexOf("hardware.chips");
  const paramsSlot = outer.metrics.indexOf("model.totalParams");
  const fitsSlot = outer.metrics.indexOf("memory.fits");
  for (let j = 0; j < outer.total; j++) {
    const idx = indicesOf(outer, j);
    fixedSets.push({
      axes: others.map((a, i) => ({ ...a, values: [a.values[idx[i]!]!], texts: [a.texts[idx[i]!]!] })),
      // auto chips and the like read as written
      cells: Object.fromEntries(others.map((a, i) => [a.key, a.values[idx[i]!] === null ? a.texts[idx[i]!]! : cell(a.values[idx[i]!]!)])),
    });
  }

  const rows: SolveRow[] = [];
  const deployments = new Set<Prepared>();
  for (const fixed of fixedSets) {
    let evaluations = 0;
    const cache = new Map<string, Eval & { value: Cell; text: string; n: number }>();
    const at = async (v: Value, text: string): Promise<Eval> => {
      const key = JSON.stringify(v);
      const hit = cache.get(key);
      if (hit) return hit;
      evaluations++;
      const sc: Scenario = { ...scenario, settings, axes: [...fixed.axes, { ...axis, values: [v], texts: [text] }], zip: [] };
      const plan = await makePlan(sc);
      const pt = plan.point(0);
      deployments.add(pt.context.prepared);
      const note = pt.note;
      const o = plan.out;
      const e = { ok: meets(target, o[slot]!), metric: o[slot]!, chips: o[chipsSlot]!, totalParams: o[paramsSlot]!, note, fits: fitsSlot < 0 ? note === "" : o[fitsSlot] === 1 };
      cache.set(key, { ...e, value: cell(v), text, n: numeric ? numOf(v) : cache.size });
      return e;
    };
    const n = values.length;
    const ok: (boolean | undefined)[] = new Array(n);
    const okAt = async (i: number) => (ok[i] ??= (await at(values[i]!, texts[i]!)).ok);
    if (n <= 64 || goal) for (let i = 0; i < n; i++) await okAt(i);
    else {
      // Bisection over the list for the edge between the two ends.
      await okAt(0);
      await okAt(n - 1);
      if (ok[0] !== ok[n - 1]) {
        let lo = 0;
        let hi = n - 1;
        while (hi - lo > 1) {
          const mid = (lo + hi) >> 1;
          if ((await okAt(mid)) === ok[0]) lo = mid; else hi = mid;
        }
      }
    }
    const known = ok.map((x, i) => [x, i] as const).filter(([x]) => x !== undefined);
    const first = known.find(([x]) => x)?.[1];
    const last = [...known].reverse().find(([x]) => x)?.[1];
    const edge = async (inside: number, outside: number | undefined): Promise<Edge> => {
      let v: Value = values[inside]!;
      let text = texts[inside]!;
      let out: { v: Value; text: string } | undefined = outside === undefined ? undefined : { v: values[outside]!, text: texts[outside]! };
      if (out !== undefined && numeric) {
        // Refine between the meeting value and its failing neighbour.
        let good = numOf(v);
        let badV = numOf(out.v);
        for (let it = 0; it < 60; it++) {
          if (integer ? Math.abs(badV - good) <= 1 : Math.abs(badV - good) <= 1e-6 * Math.abs(good)) break;
          const mid = integer ? Math.round((good + badV) / 2) : (good + badV) / 2;
          if (mid === good || mid === badV) break;
          if ((await at(valueOf(mid), textOf(mid, false))).ok) good = mid; else badV = mid;
        }
        v = valueOf(good);
        text = textOf(good, true);
        out = { v: valueOf(badV), text: textOf(badV, true) };
      }
      const e = await at(v, text);
      const past = out ? await at(out.v, out.text) : undefined;
      return {
        value: cell(v), text, metric: e.metric, chips: e.chips, totalParams: e.totalParams, atRangeEnd: outside === undefined,
        endsBecause: past ? reasonOf(past) : "range",
        beyond: past && out ? { text: out.text, metric: Number.isFinite(past.metric) ? past.metric : null, note: past.note } : null,
      };
    };
    const lowest = first === undefined ? null : goal ? null : await edge(first, first > 0 ? first - 1 : undefined);
    const highest = last === undefined ? null : goal ? null : await edge(last, last < n - 1 ? last + 1 : undefined);
    const points = [...cache.values()].sort((a, b) => a.n - b.n).map((e) => ({ value: e.value, text: e.text, metric: Number.isFinite(e.metric) ? e.metric : null, note: e.note }));
    const better = (a: number, b: number) => (target.op === ">=" || target.op === ">" ? a > b : a < b);
    const bestOf = (ps: readonly Evaluated[]) => ps.reduce<Evaluated | null>((b, p) => (p.metric !== null && p.note === "" && (b === null || better(p.metric, b.metric!)) ? p : b), null);
    const best = goal || lowest || highest ? null : bestOf(points);
    rows.push({ fixed: fixed.cells, lowest, highest, best, evaluations, points, ...(goal ? { optimum: bestOf(points) } : {}) });
  }
  if (rows.length === 0) throw new InputError([{ file: scenario.file, path: "sweep", problem: "no points", expected: "at least one point" }]);
  return {
    target, vary: axis.key, range: { from: cell(values[0]!), to: cell(values[values.length - 1]!), fromText: texts[0]!, toText: texts[texts.length - 1]!, values: values.length, searched: rangeFrom }, rows,
    met: goal ? rows.every((r) => r.optimum != null) : rows.every((r) => r.lowest !== null || r.highest !== null),
    ...(goal ? { goal } : {}),
    provenance: provenanceOf(deployments),
  };
}
function cell(v: Value): Cell {
  if (v === null) return "none";
  if (isRelative(v)) return `x${v.times}`;
  if (typeof v === "object") return JSON.stringify(v);
  return v;
}

function indicesOf(plan: { grid: { dimOfAxis: readonly number[]; strides: readonly number[]; lengths: readonly number[] } }, i: number): number[] {
  const g = plan.grid;
  return g.dimOfAxis.map((d) => Math.floor(i / g.strides[d]!) % g.lengths[d]!);
}

