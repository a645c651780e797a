import { InputError, inputError } from "../errors.js";
import { DIMENSIONS } from "../units/dimensions.js";
import { METRICS, type Metric } from "./fast.js";
import { isRelative, type Relative, type Value } from "./keys.js";
import type { Axis, Scenario } from "./load.js";
import { makePlan, type Cell } from "./plan.js";
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
}

export interface SolveRow {
  /** the values of the other axes */
  readonly fixed: Readonly<Record<string, Cell>>;
  readonly lowest: Edge | null;
  readonly highest: Edge | null;
  readonly evaluations: number;
}

export interface SolveResult {
  readonly target: Target;
  readonly vary: string;
  readonly range: { readonly from: Cell; readonly to: Cell; readonly values: number };
  readonly rows: readonly SolveRow[];
}

interface Eval { readonly ok: boolean; readonly metric: number; readonly chips: number; readonly totalParams: number }

/**
 * The inverse question: over one axis of the scenario (`--vary`, whose sweep values give the
 * range searched), the lowest and the highest value that still meet the target, for every
 * combination of the other axes. Each listed value is evaluated when there are at most 64,
 * otherwise the edges are found by bisection over the list (which assumes the metric is
 * monotone in the key). A numeric edge is then refined between its neighbours: to the whole
 * number for whole-number keys, to 1e-6 relative for real ones.
 */
export async function solve(scenario: Scenario, target: Target, vary: string): Promise<SolveResult> {
  const axis = scenario.axes.find((a) => a.key === vary);
  if (!axis) {
    throw inputError({ file: "--vary", path: "", problem: "not a sweep axis of the scenario", got: JSON.stringify(vary), expected: scenario.axes.length ? `one of ${scenario.axes.map((a) => a.key).join(", ")} (its sweep values give the range searched)` : `a scenario with sweep.${vary} giving the range to search` });
  }
  if (scenario.zip.includes(vary)) throw inputError({ file: "--vary", path: "", problem: "a zipped axis cannot be varied alone", got: JSON.stringify(vary), expected: "an axis outside zip" });
  // Numbers, or relative factors (x0.5), are ordered and refined by their number.
  const relative = axis.values.length > 0 && axis.values.every((v) => isRelative(v));
  const numeric = relative || axis.values.every((v) => typeof v === "number");
  const numOf = (v: Value): number => (isRelative(v) ? v.times : (v as number));
  const valueOf = (n: number): Value => (relative ? ({ times: n } satisfies Relative) : n);
  const order = axis.values.map((_, i) => i);
  if (numeric) order.sort((a, b) => numOf(axis.values[a]!) - numOf(axis.values[b]!));
  const values = order.map((i) => axis.values[i]!);
  const texts = order.map((i) => axis.texts[i]!);
  const others = scenario.axes.filter((a) => a !== axis);
  const integer = relative ? false : axis.def.key.startsWith("model.") ? values.every((v) => Number.isInteger(v)) : axis.def.range?.integer ?? true;
  const unit = axis.def.range?.dim ? ` ${DIMENSIONS[axis.def.range.dim].si}` : "";
  const textOf = (n: number, round: boolean): string => (relative ? `x${round ? Number(n.toPrecision(4)) : n}` : `${integer || !round ? n : Number(n.toPrecision(4))}${unit}`);

  // Combinations of the other axes (cartesian; zipped ones together).
  const fixedSets: { axes: Axis[]; cells: Record<string, Cell> }[] = [];
  const otherScenario: Scenario = { ...scenario, axes: others, zip: scenario.zip.filter((k) => k !== vary) };
  const outer = await makePlan(otherScenario);
  const slot = outer.metrics.indexOf(target.metric);
  if (slot < 0) {
    const valid = outer.metrics.filter((m) => m !== "decode.bound" && m !== "memory.fits");
    throw inputError({ file: "--target", path: "", problem: `not a metric of ${scenario.session ? "an agent-session scenario (it has task)" : "a prediction scenario (it has no task)"}`, got: JSON.stringify(target.metric), expected: `one of ${valid.join(", ")}` });
  }
  const chipsSlot = outer.metrics.indexOf("hardware.chips");
  const paramsSlot = outer.metrics.indexOf("model.totalParams");
  for (let j = 0; j < outer.total; j++) {
    const idx = indicesOf(outer, j);
    fixedSets.push({
      axes: others.map((a, i) => ({ ...a, values: [a.values[idx[i]!]!], texts: [a.texts[idx[i]!]!] })),
      cells: Object.fromEntries(others.map((a, i) => [a.key, cell(a.values[idx[i]!]!)])),
    });
  }

  const rows: SolveRow[] = [];
  for (const fixed of fixedSets) {
    let evaluations = 0;
    const cache = new Map<string, Eval>();
    const at = async (v: Value, text: string): Promise<Eval> => {
      const key = JSON.stringify(v);
      const hit = cache.get(key);
      if (hit) return hit;
      evaluations++;
      const sc: Scenario = { ...scenario, axes: [...fixed.axes, { ...axis, values: [v], texts: [text] }], zip: [] };
      const plan = await makePlan(sc);
      plan.evaluateInto(0);
      const o = plan.out;
      const e = { ok: meets(target, o[slot]!), metric: o[slot]!, chips: o[chipsSlot]!, totalParams: o[paramsSlot]! };
      cache.set(key, e);
      return e;
    };
    const n = values.length;
    const ok: (boolean | undefined)[] = new Array(n);
    const okAt = async (i: number) => (ok[i] ??= (await at(values[i]!, texts[i]!)).ok);
    if (n <= 64) for (let i = 0; i < n; i++) await okAt(i);
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
      if (outside !== undefined && numeric) {
        // Refine between the meeting value and its failing neighbour.
        let good = numOf(v);
        let badV = numOf(values[outside]!);
        for (let it = 0; it < 60; it++) {
          if (integer ? Math.abs(badV - good) <= 1 : Math.abs(badV - good) <= 1e-6 * Math.abs(good)) break;
          const mid = integer ? Math.round((good + badV) / 2) : (good + badV) / 2;
          if (mid === good || mid === badV) break;
          if ((await at(valueOf(mid), textOf(mid, false))).ok) good = mid; else badV = mid;
        }
        v = valueOf(good);
        text = textOf(good, true);
      }
      const e = await at(v, text);
      return { value: cell(v), text, metric: e.metric, chips: e.chips, totalParams: e.totalParams, atRangeEnd: outside === undefined };
    };
    const lowest = first === undefined ? null : await edge(first, first > 0 ? first - 1 : undefined);
    const highest = last === undefined ? null : await edge(last, last < n - 1 ? last + 1 : undefined);
    rows.push({ fixed: fixed.cells, lowest, highest, evaluations });
  }
  if (rows.length === 0) throw new InputError([{ file: scenario.file, path: "sweep", problem: "no points", expected: "at least one point" }]);
  return { target, vary, range: { from: cell(values[0]!), to: cell(values[values.length - 1]!), values: values.length }, rows };
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

