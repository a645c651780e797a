import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { InputError } from "../errors.js";
import { parameterSetFor } from "../engine/parameters.js";
import { loadHardware } from "../hardware/load.js";
import { loadModel } from "../model/load.js";
import { csvEscape } from "./output.js";
import { packageVersion, type RunProvenance } from "./provenance.js";
import { evaluate, stackSpeculationOf, type Prediction } from "../engine/predict.js";
import { axisIndices, grid, type Grid } from "./axes.js";
import { buildContext, type Context, type Given } from "./context.js";
import { BOUNDS, LeanEvaluator, M, METRICS } from "./fast.js";
import type { SessionOptions, SessionResult } from "../agent/session.js";
import type { TaskProfile } from "../agent/profile.js";
import type { WeightFormat } from "../model/arch.js";
import { isRelative, type Value } from "./keys.js";
import type { Axis, Scenario } from "./load.js";
import { blameOn, loadSessionHook, SESSION_METRICS, sessionMetricsInto, type SessionHook } from "./session.js";
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
  if (isRelative(v)) return `x${v.times}`;
  if (typeof v === "object") return Array.isArray(v) ? JSON.stringify(v) : "draftTokens" in v ? `k=${String(v["draftTokens"])} a=${String(v["acceptance"])}` : JSON.stringify(v);
  return v;
}

/** An axis value as a cell: "auto" and "none" as written, speculation as k and a. */
function axisCell(a: Axis, j: number): Cell {
  const v = a.values[j]!;
  return v === null ? a.texts[j]! : cellOf(v);
}

/** The draft-tokens slot of `speculation: stack`: resolved per point from the software set's declaration. */
const STACK_SPEC = -1;

function specOf(v: Value): [number, number] {
  if (v === "stack") return [STACK_SPEC, NaN];
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

/** What a plan needs for a simulate: or capacity: section (src/serving/scenario.ts, loaded only then). */
export interface ServingRunner {
  readonly metrics: readonly string[];
  readonly evaluate: (given: Context["given"], prepared: Context["prepared"], out: Float64Array) => string;
}

/** What a plan needs to run agent sessions: src/agent's hook and the task profiles by reference. */
export interface SessionRunner {
  readonly hook: SessionHook;
  readonly tasks: ReadonlyMap<string, TaskProfile>;
}

/**
 * Deployments kept built at once. A sweep over more (a range of 10 million hardware
 * what-ifs) rebuilds those it comes back to instead of holding one per value: each holds a
 * prepared model and machines (about 7 KB; 200,000 of them took 1.5 GB).
 */
const CACHED_DEPLOYMENTS = 4096;

/**
 * A scenario made ready to evaluate: the grid of points, the deployments (one per
 * combination of structural inputs, built on first use and kept), and the base workload.
 * A scenario with `task` evaluates each point as an agent session (kind "session"): its
 * metrics are SESSION_METRICS, otherwise METRICS.
 */
export class Plan {
  readonly grid: Grid;
  readonly total: number;
  readonly kind: "prediction" | "session" | "serving";
  readonly metrics: readonly string[];
  readonly columns: readonly string[];
  readonly axes: readonly Axis[];
  private digest: string | undefined;
  private readonly structAxes: number[] = [];
  private readonly structStrides: number[] = [];
  private readonly evaluators: (LeanEvaluator | undefined)[] = [];
  /** whether any point speculates as its software set declares (`speculation: stack`) */
  private readonly stackSpec: boolean;
  /** the metric indices a caller reads (only()); undefined: all */
  private read: Int32Array | undefined;
  private readonly contexts: (Context | undefined)[] = [];
  /** keys of the deployments held, oldest first: at most CACHED_DEPLOYMENTS */
  private readonly held: number[] = [];
  private readonly base = new Float64Array(5);
  private readonly workloadAxes: { axis: number; slot: number; values: Float64Array }[] = [];
  private readonly specAxis: { axis: number; k: Float64Array; a: Float64Array } | undefined;
  private readonly idx: Int32Array;
  private readonly w = new Float64Array(5);
  /** sessions: whether the scenario gives the batch (else the task profile's serving assumption) */
  private readonly batchGiven: boolean;
  readonly out: Float64Array;
  /**
   * per axis: its values as cells (numbers, or text for ids, "auto", x0.5, speculation), and as
   * they start a row, formatted once: a CSV cell and its comma, a JSON key, value and comma
   */
  readonly cells: readonly (readonly Cell[])[];
  readonly csvCells: readonly (readonly string[])[];
  readonly jsonCells: readonly (readonly string[])[];

  constructor(readonly scenario: Scenario, private readonly applyStack?: ApplyStack, private readonly sessions?: SessionRunner, private readonly serving?: ServingRunner) {
    this.axes = scenario.axes;
    this.grid = grid(scenario.axes, scenario.zip);
    this.total = this.grid.total;
    this.idx = new Int32Array(scenario.axes.length);
    this.kind = serving ? "serving" : sessions ? "session" : "prediction";
    this.metrics = serving ? serving.metrics : sessions ? SESSION_METRICS : METRICS;
    this.out = new Float64Array(this.metrics.length);
    this.columns = [...scenario.axes.map((a) => a.key), ...this.metrics, "note"];
    this.batchGiven = scenario.settings.has("batch") || scenario.axes.some((a) => a.key === "batch");
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
    this.stackSpec = s.get("speculation")?.value === "stack" || scenario.axes.some((a) => a.key === "speculation" && a.values.includes("stack"));
    // The whole-speculation axis is applied before its parts (draftTokens, acceptance).
    this.workloadAxes.sort((x, y) => x.slot - y.slot);
    this.cells = scenario.axes.map((a) => a.values.map((_, j) => axisCell(a, j)));
    this.csvCells = this.cells.map((cs) => cs.map((c) => `${csvEscape(String(c))},`));
    this.jsonCells = this.cells.map((cs, a) => cs.map((c) => `${JSON.stringify(scenario.axes[a]!.key)}:${JSON.stringify(c)},`));
  }

  /** sha256 of the scenario's extends chain (each file's name and contents): what a sweep's output was computed from. */
  get scenarioHash(): string {
    if (this.digest === undefined) {
      const h = createHash("sha256");
      for (const f of this.scenario.chain) h.update(basename(f)).update(readFileSync(f));
      this.digest = `sha256:${h.digest("hex")}`;
    }
    return this.digest;
  }

  /**
   * The models, hardware and calibrated parameter sets (with their version) the sweep's points
   * use, as run --json records them (provenance.ts), from the values the scenario gives model,
   * hardware and software rather than from built deployments (a sweep may have millions): for people and for
   * charts of the output. Loads each description once (cached); a combination that has no
   * parameter set is left out (its points say why in their note).
   */
  provenance(): RunProvenance {
    const valuesOf = (key: string): readonly Value[] => this.axes.find((a) => a.key === key)?.values ?? (this.scenario.settings.has(key) ? [this.scenario.settings.get(key)!.value] : []);
    const models = [...new Set(valuesOf("model").map((m) => loadModel(String(m)).id))];
    const hws = [...new Map(valuesOf("hardware").map((h) => loadHardware(String(h))).map((h) => [h.id, h])).values()];
    const software = valuesOf("software").map((x) => (typeof x === "string" ? x : undefined));
    const sets = new Map<string, RunProvenance["parameterSets"][number]>();
    for (const hw of hws) {
      for (const sw of software.length > 0 ? software : [undefined]) {
        try {
          const set = parameterSetFor(hw, sw);
          sets.set(`${set.software.id}/${hw.id}`, { software: set.software.id, hardware: hw.id, method: set.provenance.method, date: set.provenance.date });
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
        }
      }
    }
    return { wafersim: packageVersion(), models, hardware: hws.map((h) => h.id), parameterSets: [...sets.values()] };
  }

  /** Number of distinct deployments (structural combinations). */
  get deployments(): number {
    return this.structAxes.reduce((n, a) => n * this.scenario.axes[a]!.values.length, 1);
  }

  /** Builds every deployment now, so that a bad what-if fails before any output. */
  prepareAll(limit = CACHED_DEPLOYMENTS): void {
    if (this.deployments > limit) return;
    const idx = new Int32Array(this.scenario.axes.length);
    // Zipped axes move together: a combination whose zipped axes sit at different positions is
    // no point of the grid (a wafer zipped with tensorParallel 1 is never built with the GPUs' 8).
    const zipped = this.structAxes.filter((a) => this.scenario.zip.includes(this.scenario.axes[a]!.key));
    for (let n = 0; n < this.deployments; n++) {
      for (let j = this.structAxes.length - 1; j >= 0; j--) {
        const len = this.scenario.axes[this.structAxes[j]!]!.values.length;
        idx[this.structAxes[j]!] = Math.floor(n / this.structStrides[j]!) % len;
      }
      if (zipped.some((a) => idx[a] !== idx[zipped[0]!])) continue;
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
      c = buildContext(given, { stackDraft: this.stackSpec });
      if (this.sessions && c.stack !== null) {
        // A session loads its stack itself: check it here, against the scenario, before any output.
        const g = given.get("stack")!;
        const ref = c.stack;
        blameOn("stack", g.file, g.key, () => this.sessions!.hook.loadStack(ref, "stack"));
      }
      if (this.held.length >= CACHED_DEPLOYMENTS) {
        const old = this.held.shift()!;
        this.contexts[old] = undefined;
        this.evaluators[old] = undefined;
      }
      this.held.push(key);
      this.contexts[key] = c;
      const ev = new LeanEvaluator(c.prepared);
      if (this.read) ev.only(this.read);
      this.evaluators[key] = ev;
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
   * The metrics a caller will read (a sweep's --columns): the others may be left NaN in `out`
   * when leaving them out saves work (the prefill pass, the roofline, a wafer's memory
   * accounting: LeanEvaluator.only). Default: every metric.
   */
  only(metrics: readonly string[]): void {
    if (this.kind !== "prediction") return;
    this.read = Int32Array.from(metrics, (m) => this.metrics.indexOf(m));
    for (const ev of this.evaluators) ev?.only(this.read);
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
    if (w[W.draftTokens] === STACK_SPEC) {
      const why = this.stackSpeculation(this.contexts[key]!, w);
      if (why !== "") { this.out.fill(NaN); return why; }
    }
    if (w[W.draftTokens]! > 0 && !(w[W.acceptance]! >= 0)) {
      this.out.fill(NaN);
      return "speculation needs an acceptance";
    }
    if (this.serving) return this.serving.evaluate(this.contexts[key]!.given, this.contexts[key]!.prepared, this.out);
    if (this.sessions) return this.evaluateSession(this.contexts[key]!, w);
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
    // The metric columns are METRICS in order (fast.ts's M indices follow it).
    for (let i = 0; i < METRICS.length; i++) o[i] = read(METRICS[i]!);
    return "";
  }

  /** The session of one deployment and workload (throws InputError when it cannot run). */
  private session(c: Context, w: Float64Array): SessionResult {
    const g = c.given;
    const str = (k: string): string | undefined => {
      const v = g.get(k)?.value;
      return typeof v === "string" ? v : undefined;
    };
    const chips = g.get("chips")?.value;
    const precision = str("precision");
    const software = str("software");
    const layout: Record<string, number | string> = {}; // keys and values checked when the deployment was built
    for (const k of ["tensorParallel", "pipelineStages", "memoryFraction", "expertPlacement"] as const) {
      const v = g.get(k)?.value;
      if (typeof v === "number" || (typeof v === "string" && v !== "auto")) layout[k] = v;
    }
    return this.sessions!.hook.simulate({
      ...(Object.keys(layout).length > 0 ? { layout: layout as NonNullable<SessionOptions["layout"]> } : {}),
      task: this.sessions!.tasks.get(String(g.get("task")!.value))!,
      model: String(g.get("model")!.value),
      hardware: String(g.get("hardware")!.value),
      ...(typeof chips === "number" ? { chips } : {}),
      ...(c.stack !== null ? { stack: c.stack } : {}),
      ...(this.batchGiven ? { batch: w[W.batch]! } : {}),
      ...(precision !== undefined && precision !== "native" ? { precision: precision as WeightFormat } : {}),
      ...(software !== undefined ? { software } : {}),
    });
  }

  /**
   * A session point into `this.out`. Its inputs were checked when the deployment was built, so
   * an input error here is about this point (the model and its longest context do not fit the
   * chips at this batch): the point's note, with NaN metrics, as for a prediction.
   */
  private evaluateSession(c: Context, w: Float64Array): string {
    let r: SessionResult;
    try {
      r = this.session(c, w);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      this.out.fill(NaN);
      const i = err.issues[0]!;
      return `${i.problem}${i.expected ? `; expected ${i.expected}` : ""}`;
    }
    sessionMetricsInto(r, c.prepared.model.params.totalParams, this.out);
    return "";
  }

  /** The full SessionResult of point i (a scenario with `task`); input errors are thrown. */
  sessionAt(i: number): { session: SessionResult; context: Context } {
    const idx = new Int32Array(this.scenario.axes.length);
    axisIndices(this.grid, i, idx);
    const c = this.contextAt(idx);
    return { session: this.session(c, Float64Array.from(this.workload(idx))), context: c };
  }

  /**
   * `speculation: stack` at one point: the draft length and fitted acceptance the software set
   * declares, into `w` (no speculation when it declares a length of 0). Returns "" or why the
   * point cannot speculate so (a set that declares none).
   */
  private stackSpeculation(c: Context, w: Float64Array, thrown = false): string {
    try {
      const s = stackSpeculationOf(c.prepared, { batch: w[W.batch]!, promptTokens: w[W.prompt]!, outputTokens: w[W.output]! });
      w[W.draftTokens] = s?.draftTokens ?? 0;
      w[W.acceptance] = s?.acceptance ?? NaN;
      return "";
    } catch (err) {
      if (thrown || !(err instanceof InputError)) throw err;
      return err.issues.map((i) => i.problem).join("; ");
    }
  }

  private prediction(c: Context, w: Float64Array): Prediction {
    if (w[W.draftTokens] === STACK_SPEC) this.stackSpeculation(c, w, true);
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
    if (this.sessions || this.serving) this.metrics.forEach((m, j) => { metrics[m] = Number.isNaN(this.out[j]!) ? null : this.out[j]!; });
    else METRICS.forEach((m, j) => { metrics[m] = metricCell(j, this.out[j]!); });
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


/**
 * A plan for a scenario; loads the serving-stack hook only when the scenario uses `stack`, and
 * src/agent with the task profiles only when it uses `task`.
 */
export async function makePlan(scenario: Scenario): Promise<Plan> {
  const section = scenario.serving;
  if (section) {
    const m = await import("../serving/scenario.js");
    return new Plan(scenario, undefined, undefined, { metrics: m.servingMetrics(section), evaluate: (g, p, out) => m.evaluateServing(section, g, p, out) });
  }
  if (scenario.session) {
    const hook = await loadSessionHook();
    const tasks = new Map<string, TaskProfile>();
    const st = scenario.settings.get("task");
    const ax = scenario.axes.find((a) => a.key === "task");
    const refs: { ref: string; file: string; path: string }[] = ax
      ? ax.values.map((v, i) => ({ ref: String(v), file: ax.file, path: `sweep.task[${i}]` }))
      : [{ ref: String(st!.value), file: st!.file, path: "task" }];
    const issues: InputError["issues"][number][] = [];
    for (const r of refs) {
      if (tasks.has(r.ref)) continue;
      try {
        tasks.set(r.ref, blameOn("task", r.file, r.path, () => hook.loadTask(r.ref, "task")));
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        issues.push(...err.issues);
      }
    }
    if (issues.length > 0) throw new InputError(issues);
    return new Plan(scenario, undefined, { hook, tasks });
  }
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
