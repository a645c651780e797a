import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { InputError } from "../errors.js";
import { evaluate, type Prediction } from "../engine/predict.js";
import { axisIndices, grid, type Grid } from "./axes.js";
import { buildContext, type Context, type Given } from "./context.js";
import { BOUNDS, LeanEvaluator, M, METRICS } from "./fast.js";
import type { Value } from "./keys.js";
import type { Axis, Scenario } from "./load.js";
import { loadApplyStack, type ApplyStack } from "./stack.js";

/** Workload slots of one point. */
const W = { batch: 0, prompt: 1, output: 2, draftTokens: 3, acceptance: 4 } as const;

const WORKLOAD_SLOT: Readonly<Record<string, number>> = {
  batch: W.batch, promptTokens: W.prompt, outputTokens: W.output,
  "speculation.draftTokens": W.draftTokens, "speculation.acceptance": W.acceptance,
};

export type Cell = number | string | boolean | null;

/** One evaluated point, for people and for `solve`. */
export interface Point {
  readonly index: number;
  /** the value of every axis at this point */
  readonly axes: Readonly<Record<string, Cell>>;
  readonly metrics: Readonly<Record<string, Cell>>;
  readonly note: string;
  readonly context: Context;
}

function cellOf(v: Value): Cell {
  if (v === null) return "none";
  if (typeof v === "object") return Array.isArray(v) ? JSON.stringify(v) : "draftTokens" in v ? `k=${String(v["draftTokens"])} a=${String(v["acceptance"])}` : JSON.stringify(v);
  return v;
}

/** An axis value as a cell: "auto" and "none" as written, speculation as k and a. */
function axisCell(a: Axis, j: number): Cell {
  const v = a.values[j]!;
  return v === null ? a.texts[j]! : cellOf(v);
}

function specOf(v: Value): [number, number] {
  if (v === null || typeof v !== "object" || !("draftTokens" in v)) return [0, NaN];
  return [Number(v["draftTokens"]), Number(v["acceptance"])];
}

function getPath(obj: unknown, path: string): unknown {
  let node = obj;
  for (const seg of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

/**
 * A scenario made ready to evaluate: the grid of points, the deployments (one per
 * combination of structural inputs, built on first use and kept), and the base workload.
 */
export class Plan {
  readonly grid: Grid;
  readonly total: number;
  readonly columns: readonly string[];
  readonly axes: readonly Axis[];
  private digest: string | undefined;
  private readonly structAxes: number[] = [];
  private readonly structStrides: number[] = [];
  private readonly evaluators: (LeanEvaluator | undefined)[] = [];
  private readonly contexts: (Context | undefined)[] = [];
  private readonly base = new Float64Array(5);
  private readonly workloadAxes: { axis: number; slot: number; values: Float64Array }[] = [];
  private readonly specAxis: { axis: number; k: Float64Array; a: Float64Array } | undefined;
  private readonly idx: Int32Array;
  private readonly w = new Float64Array(5);
  readonly out = new Float64Array(METRICS.length);
  /** per axis: its values as CSV cells and as JSON values, formatted once */
  readonly csvCells: readonly (readonly string[])[];
  readonly jsonCells: readonly (readonly string[])[];
  /** every column as a JSON key with its colon */
  readonly jsonKeys: readonly string[];

  constructor(readonly scenario: Scenario, private readonly applyStack?: ApplyStack) {
    this.axes = scenario.axes;
    this.grid = grid(scenario.axes, scenario.zip);
    this.total = this.grid.total;
    this.idx = new Int32Array(scenario.axes.length);
    this.columns = [...scenario.axes.map((a) => a.key), ...METRICS, "note"];
    let stride = 1;
    scenario.axes.forEach((a, i) => {
      if (a.def.role !== "workload") {
        this.structAxes.push(i);
        this.structStrides.push(stride);
        stride *= a.values.length;
      }
    });
    const s = scenario.settings;
    const num = (k: string, d: number) => (typeof s.get(k)?.value === "number" ? (s.get(k)!.value as number) : d);
    const [k0, a0] = specOf(s.get("speculation")?.value ?? null);
    this.base[W.batch] = num("batch", 1);
    this.base[W.prompt] = num("promptTokens", 1024);
    this.base[W.output] = num("outputTokens", 256);
    this.base[W.draftTokens] = num("speculation.draftTokens", k0);
    this.base[W.acceptance] = num("speculation.acceptance", a0);
    let specAxis: Plan["specAxis"];
    scenario.axes.forEach((a, i) => {
      const slot = WORKLOAD_SLOT[a.key];
      if (slot !== undefined) this.workloadAxes.push({ axis: i, slot, values: Float64Array.from(a.values as number[]) });
      if (a.key === "speculation") {
        const k = new Float64Array(a.values.length);
        const acc = new Float64Array(a.values.length);
        a.values.forEach((v, j) => { [k[j], acc[j]] = specOf(v); });
        specAxis = { axis: i, k, a: acc };
      }
    });
    this.specAxis = specAxis;
    // The whole-speculation axis is applied before its parts (draftTokens, acceptance).
    this.workloadAxes.sort((x, y) => x.slot - y.slot);
    this.csvCells = scenario.axes.map((a) => a.values.map((v, j) => csvEscape(String(axisCell(a, j)))));
    this.jsonCells = scenario.axes.map((a) => a.values.map((v, j) => JSON.stringify(axisCell(a, j))));
    this.jsonKeys = this.columns.map((c) => `${JSON.stringify(c)}:`);
  }

  /** A digest of the scenario files' names and contents and of the columns: shards of different sweeps do not merge. */
  get fingerprint(): string {
    if (this.digest === undefined) {
      const h = createHash("sha256");
      for (const f of this.scenario.chain) h.update(basename(f)).update(readFileSync(f));
      h.update(this.columns.join(","));
      this.digest = h.digest("hex").slice(0, 16);
    }
    return this.digest;
  }

  /** Number of distinct deployments (structural combinations). */
  get deployments(): number {
    return this.structAxes.reduce((n, a) => n * this.scenario.axes[a]!.values.length, 1);
  }

  /** Builds every deployment now, so that a bad what-if fails before any output. */
  prepareAll(limit = 4096): void {
    if (this.deployments > limit) return;
    const idx = new Int32Array(this.scenario.axes.length);
    for (let n = 0; n < this.deployments; n++) {
      let rest = n;
      for (let j = this.structAxes.length - 1; j >= 0; j--) {
        const len = this.scenario.axes[this.structAxes[j]!]!.values.length;
        idx[this.structAxes[j]!] = Math.floor(rest / this.structStrides[j]!) % len;
      }
      void rest;
      this.contextAt(idx);
    }
  }

  /** the axis indices of the point last evaluated */
  get currentIndices(): Int32Array {
    return this.idx;
  }

  private structKey(idx: Int32Array): number {
    let key = 0;
    for (let j = 0; j < this.structAxes.length; j++) key += idx[this.structAxes[j]!]! * this.structStrides[j]!;
    return key;
  }

  private contextAt(idx: Int32Array): Context {
    const key = this.structKey(idx);
    let c = this.contexts[key];
    if (!c) {
      const given = new Map<string, Given>();
      for (const st of this.scenario.settings.values()) if (st.def.role !== "workload") given.set(st.key, { key: st.key, value: st.value, text: st.text, file: st.file });
      for (const a of this.structAxes) {
        const axis = this.scenario.axes[a]!;
        const i = idx[a]!;
        given.set(axis.key, { key: axis.key, value: axis.values[i]!, text: axis.texts[i]!, file: axis.file });
      }
      c = buildContext(given);
      this.contexts[key] = c;
      this.evaluators[key] = new LeanEvaluator(c.prepared);
    }
    return c;
  }

  private workload(idx: Int32Array): Float64Array {
    const w = this.w;
    w.set(this.base);
    if (this.specAxis) {
      const j = idx[this.specAxis.axis]!;
      w[W.draftTokens] = this.specAxis.k[j]!;
      w[W.acceptance] = this.specAxis.a[j]!;
    }
    for (const wa of this.workloadAxes) w[wa.slot] = wa.values[idx[wa.axis]!]!;
    return w;
  }

  /**
   * Evaluates point `i` into `this.out` (indices in M) and returns its note ("" when fine).
   * `this.idx` then holds the point's index on every axis.
   */
  evaluateInto(i: number): string {
    const idx = this.idx;
    axisIndices(this.grid, i, idx);
    const key = this.structKey(idx);
    let ev = this.evaluators[key];
    if (!ev) { this.contextAt(idx); ev = this.evaluators[key]!; }
    const w = this.workload(idx);
    if (w[W.draftTokens]! > 0 && !(w[W.acceptance]! >= 0)) {
      this.out.fill(NaN);
      return "speculation needs an acceptance";
    }
    if (this.applyStack && this.contexts[key]!.stack !== null) return this.evaluateStacked(this.contexts[key]!, w);
    return ev.evaluate(w[W.batch]!, w[W.prompt]!, w[W.output]!, w[W.draftTokens]!, w[W.acceptance]!, this.out);
  }

  /** The full path: a Prediction, then the serving stack's applyStack, read by metric name. */
  private evaluateStacked(c: Context, w: Float64Array): string {
    const p = this.prediction(c, w);
    const stacked = this.applyStack!(p, c.stack!);
    const read = (path: string): number => {
      const v = getPath(stacked, path) ?? getPath(p, path);
      return typeof v === "number" ? v : typeof v === "boolean" ? (v ? 1 : 0) : typeof v === "string" ? BOUNDS.indexOf(v as never) : NaN;
    };
    const o = this.out;
    o[M.chips] = read("hardware.chips");
    o[M.tps] = read("decode.tokensPerSecondPerUser");
    o[M.tpot] = read("decode.timePerOutputTokenSeconds");
    o[M.aggregate] = read("decode.aggregateTokensPerSecond");
    o[M.roofline] = read("decode.rooflineTokensPerSecondPerUser");
    o[M.bound] = read("decode.bound");
    o[M.prefill] = read("prefill.seconds");
    o[M.ttft] = read("ttftSeconds");
    o[M.request] = read("requestSeconds");
    o[M.needed] = read("memory.neededBytes");
    o[M.fits] = read("memory.fits");
    o[M.params] = read("model.totalParams");
    return "";
  }

  private prediction(c: Context, w: Float64Array): Prediction {
    const k = w[W.draftTokens]!;
    return evaluate(c.prepared, { batch: w[W.batch]!, promptTokens: w[W.prompt]!, outputTokens: w[W.output]! }, k > 0 ? { draftTokens: k, acceptance: w[W.acceptance]! } : undefined);
  }

  /** The full Prediction of point i (stack applied when the scenario sets one). */
  predictionAt(i: number): { prediction: Prediction; stacked: unknown; context: Context } {
    const idx = new Int32Array(this.scenario.axes.length);
    axisIndices(this.grid, i, idx);
    const c = this.contextAt(idx);
    const w = Float64Array.from(this.workload(idx));
    const prediction = this.prediction(c, w);
    return { prediction, stacked: this.applyStack && c.stack !== null ? this.applyStack(prediction, c.stack) : prediction, context: c };
  }

  /** Point i as plain objects (allocates: for tables and solve, not for the sweep path). */
  point(i: number): Point {
    const note = this.evaluateInto(i);
    const axes: Record<string, Cell> = {};
    this.scenario.axes.forEach((a, j) => { axes[a.key] = axisCell(a, this.idx[j]!); });
    const metrics: Record<string, Cell> = {};
    METRICS.forEach((m, j) => { metrics[m] = metricCell(j, this.out[j]!); });
    return { index: i, axes, metrics, note, context: this.contexts[this.structKey(this.idx)]! };
  }
}

/** A metric as a value: bound by name, fits as a boolean, NaN as null. */
export function metricCell(j: number, v: number): Cell {
  if (Number.isNaN(v)) return null;
  if (j === M.bound) return BOUNDS[v] ?? null;
  if (j === M.fits) return v === 1;
  return v;
}

export function csvEscape(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A plan for a scenario; loads the serving-stack hook only when the scenario uses `stack`. */
export async function makePlan(scenario: Scenario): Promise<Plan> {
  const usesStack = (scenario.settings.get("stack")?.value ?? null) !== null || scenario.axes.some((a) => a.key === "stack" && a.values.some((v) => v !== null));
  let applyStack: ApplyStack | undefined;
  if (usesStack) {
    try {
      applyStack = await loadApplyStack();
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const st = scenario.settings.get("stack");
      const ax = scenario.axes.find((a) => a.key === "stack");
      throw new InputError(err.issues.map((i) => ({ ...i, file: st?.file ?? ax?.file ?? scenario.file, path: ax ? "sweep.stack" : "stack" })), { cause: err });
    }
  }
  return new Plan(scenario, applyStack);
}
