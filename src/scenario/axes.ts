import { show, type Issue } from "../errors.js";
import { isPlainObject } from "../schema/spec.js";
import { DIMENSIONS } from "../units/dimensions.js";
import { parseQuantity } from "../units/parse.js";
import { looksRelative, parseRelative, type KeyDef, type Relative, type Value } from "./keys.js";

/** A range in a sweep: `{from, to, steps, scale: linear|log}`. */
export function isRange(x: unknown): x is Record<string, unknown> {
  return isPlainObject(x) && ("from" in x || "to" in x || "steps" in x);
}

const RANGE_FIELDS = ["from", "to", "steps", "scale"];

/**
 * The values of a range. Whole-number keys are rounded and repeats dropped (a log range of
 * batch 1..8 in 20 steps has 8 distinct values); the last value is `to` exactly.
 */
export function expandRange(def: KeyDef, r: Record<string, unknown>, file: string, path: string, issues: Issue[]): { values: (number | Relative)[]; texts: string[] } | undefined {
  const before = issues.length;
  const range = def.range;
  if (!range) {
    issues.push({ file, path, problem: "this key takes a list, not a range", got: "a range", expected: "a list of values" });
    return undefined;
  }
  for (const k of Object.keys(r)) {
    if (!RANGE_FIELDS.includes(k)) issues.push({ file, path: `${path}.${k}`, problem: "unknown field", expected: `one of ${RANGE_FIELDS.join(", ")}` });
  }
  if (def.relative && (looksRelative(r["from"]) || looksRelative(r["to"]))) return relativeRange(r, file, path, issues, before);
  const end = (k: "from" | "to"): number | undefined => {
    const v = r[k];
    if (v === undefined) { issues.push({ file, path: `${path}.${k}`, problem: "missing", expected: range.dim ? DIMENSIONS[range.dim].label : "a number" }); return undefined; }
    if (range.dim) {
      if (typeof v !== "string") { issues.push({ file, path: `${path}.${k}`, problem: typeof v === "number" ? "a bare number has no unit" : "wrong type", got: show(v), expected: `${DIMENSIONS[range.dim].label}, e.g. "${DIMENSIONS[range.dim].example}"` }); return undefined; }
      const q = parseQuantity(v, range.dim);
      if (!q.ok) { issues.push({ file, path: `${path}.${k}`, problem: q.problem, got: show(v), expected: q.expected }); return undefined; }
      return q.value;
    }
    if (typeof v !== "number" || !Number.isFinite(v)) { issues.push({ file, path: `${path}.${k}`, problem: "wrong type", got: show(v), expected: "a number" }); return undefined; }
    return v;
  };
  const from = end("from");
  const to = end("to");
  const { steps, scale } = stepsAndScale(r, file, path, issues);
  if (from !== undefined && to !== undefined) {
    for (const [k, v] of [["from", from], ["to", to]] as const) {
      if (range.min !== undefined && v < range.min) issues.push({ file, path: `${path}.${k}`, problem: "too small", got: String(v), expected: `at least ${range.min}` });
      if (range.max !== undefined && v > range.max) issues.push({ file, path: `${path}.${k}`, problem: "too large", got: String(v), expected: `at most ${range.max}` });
    }
    if (scale === "log" && (from <= 0 || to <= 0)) issues.push({ file, path, problem: "a log range needs positive ends", got: `${from} to ${to}`, expected: "from and to greater than zero" });
  }
  if (issues.length > before || from === undefined || to === undefined || typeof steps !== "number") return undefined;
  // Model config fields are whole numbers when both ends are (num_hidden_layers, hidden_size).
  const integer = def.key.startsWith("model.") ? Number.isInteger(from) && Number.isInteger(to) : range.integer;
  const values: number[] = [];
  for (let i = 0; i < steps; i++) {
    const f = steps === 1 ? 0 : i / (steps - 1);
    let v = i === steps - 1 ? to : scale === "log" ? from * Math.pow(to / from, f) : from + (to - from) * f;
    if (integer) v = Math.round(v);
    if (!integer || values.length === 0 || values[values.length - 1] !== v) values.push(v);
  }
  const unit = range.dim ? ` ${DIMENSIONS[range.dim].si}` : "";
  return { values, texts: values.map((v) => `${v}${unit}`) };
}

/**
 * A range of relative factors, `{from: x0.125, to: x4, steps: 6, scale: log}`: both ends
 * relative, factors spaced like numbers (not rounded: a factor of a whole-number field that
 * does not give a whole number is reported when the deployment is built).
 */
function relativeRange(r: Record<string, unknown>, file: string, path: string, issues: Issue[], before: number): { values: Relative[]; texts: string[] } | undefined {
  const end = (k: "from" | "to"): number | undefined => {
    const v = r[k];
    if (!looksRelative(v)) { issues.push({ file, path: `${path}.${k}`, problem: "one end relative, the other not", got: show(v), expected: `both ends relative, e.g. {from: x0.5, to: x2}` }); return undefined; }
    return parseRelative(v, file, `${path}.${k}`, issues)?.times;
  };
  const from = end("from");
  const to = end("to");
  const { steps, scale } = stepsAndScale(r, file, path, issues);
  if (issues.length > before || from === undefined || to === undefined || typeof steps !== "number") return undefined;
  const values: Relative[] = [];
  for (let i = 0; i < steps; i++) {
    const f = steps === 1 ? 0 : i / (steps - 1);
    // 12 significant digits: x0.25 rather than x0.25000000000000006 from the power.
    const v = i === steps - 1 ? to : Number((scale === "log" ? from * Math.pow(to / from, f) : from + (to - from) * f).toPrecision(12));
    if (values.length === 0 || values[values.length - 1]!.times !== v) values.push({ times: v });
  }
  return { values, texts: values.map((v) => `x${v.times}`) };
}

/**
 * How sweep points are numbered. Axes in one zip group advance together and form one
 * dimension; dimensions combine as a cartesian product, the last one fastest. Point i's
 * index on dimension d is floor(i / stride[d]) mod length[d].
 */
export interface Grid {
  readonly total: number;
  /** axis -> dimension */
  readonly dimOfAxis: readonly number[];
  readonly lengths: readonly number[];
  readonly strides: readonly number[];
}

/**
 * The bound on work every command that evaluates a scenario shares (run, chart, sweep, solve):
 * at most this many points unless `--max-points` raises it. Ten million points take about ten
 * seconds per core on the sweep path (bench/sweep.js) and 2 to 3 GB of CSV; above it a mistyped
 * range (`steps: 1e12`) would exhaust memory or run for days before anything was written.
 */
export const MAX_POINTS = 10_000_000;

/**
 * Points of a sweep from its axes' lengths, without building them: the product over
 * dimensions, where zipped axes advance together and count once (the longest of them).
 */
export function countPoints(axes: readonly { readonly key: string; readonly length: number }[], zip: readonly string[]): number {
  let zipped = 0;
  let n = 1;
  for (const a of axes) {
    if (zip.includes(a.key)) zipped = Math.max(zipped, a.length);
    else n *= a.length;
  }
  return zip.length > 0 && axes.some((a) => zip.includes(a.key)) ? n * zipped : n;
}

/** "12,000" */
export function countText(n: number): string {
  return n < 1e21 ? n.toLocaleString("en-US") : String(n);
}

/**
 * The shared check on the work a scenario asks for: an issue when `count` is above `limit`,
 * with the count (and what makes it up) in the message. `raise` says how to go past the limit.
 */
export function pointLimitIssue(count: number, limit: number, at: { file: string; path: string; what: string; raise?: string }): Issue | undefined {
  if (count <= limit) return undefined;
  return {
    file: at.file, path: at.path, problem: `too many points: ${at.what}`, got: `${countText(count)} points`, expected: `at most ${countText(limit)}`,
    hint: at.raise ?? "raise the limit with --max-points N if you mean it, or split the sweep with --shard K/N",
  };
}

export function grid(axes: readonly { readonly key: string; readonly values: readonly Value[] }[], zip: readonly string[]): Grid {
  const dimOfAxis: number[] = [];
  const lengths: number[] = [];
  let zipDim = -1;
  for (const a of axes) {
    if (zip.includes(a.key)) {
      if (zipDim < 0) { zipDim = lengths.length; lengths.push(a.values.length); }
      dimOfAxis.push(zipDim);
    } else {
      dimOfAxis.push(lengths.length);
      lengths.push(a.values.length);
    }
  }
  const strides = new Array<number>(lengths.length);
  let s = 1;
  for (let d = lengths.length - 1; d >= 0; d--) { strides[d] = s; s *= lengths[d]!; }
  return { total: s, dimOfAxis, lengths, strides };
}

/** Index of point `i` on every axis, written into `out`. */
export function axisIndices(g: Grid, i: number, out: Int32Array): void {
  for (let a = 0; a < g.dimOfAxis.length; a++) {
    const d = g.dimOfAxis[a]!;
    out[a] = Math.floor(i / g.strides[d]!) % g.lengths[d]!;
  }
}

/** A range's `steps` (whole, at least 1) and `scale` (linear by default, or log), checked. */
function stepsAndScale(r: Record<string, unknown>, file: string, path: string, issues: Issue[]): { steps: unknown; scale: unknown } {
  const steps = r["steps"];
  if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 1) issues.push({ file, path: `${path}.steps`, problem: steps === undefined ? "missing" : "not a whole number >= 1", got: show(steps), expected: "the number of values, a whole number >= 1" });
  const scale = r["scale"] ?? "linear";
  if (scale !== "linear" && scale !== "log") issues.push({ file, path: `${path}.scale`, problem: "not a known value", got: show(scale), expected: "linear or log" });
  return { steps, scale };
}
