/**
 * Reading a results.json for `wafersim chart`: the JSON other commands print, recognised by
 * its shape. These are machine outputs, so fields this module does not draw are ignored; every
 * field it draws is checked, and problems name the file, the field path, the value and what
 * was expected.
 *
 * Accepted:
 * - `wafersim calibrate --json`: `{ references: [{ id, published, predicted, errorPct, looErrorPct?, tolerancePct?, metric?, knownMiss?, fitted? }], mapePct, looMapePct }`
 * - `wafersim session --json`: `{ wallSeconds, turns: [turn], split? }`, a list of them, or
 *   `{ sessions: [{ label, wallSeconds, turns }] }`; a turn is src/agent's TurnResult
 *   (`startSeconds`, `ttft: {network, sessionStartup, requestHandling, queueing, prefill, firstDecodeStep}`,
 *   `decodeSeconds`, `streamingSeconds`, `toolSeconds`), or `{ overheadSeconds, modelSeconds, toolSeconds }`
 *   (laid out in that order), or `{ segments: [{ kind: model|tool|overhead, seconds }] }`
 * - `wafersim sweep --format json`: a list of points `{ <swept keys>, <metrics>, note }`, or
 *   `wafersim run --json` on a scenario with a sweep: `{ title, axes: [{key}], points: [{ axes, metrics, note }] }`
 * - `wafersim predict --json` or `compare --json`: a prediction or a list of them
 * - a bundle: `{ calibration?, sessions?, sweep?, predictions? }` of the above
 */
import type { Prediction } from "../engine/predict.js";
import { InputError, show, type Issue } from "../errors.js";
import type { CalibrationResult, CalibrationRow } from "./calibration.js";
import type { Segment, SegmentKind, SessionTimeline } from "./session.js";
import type { Cell, ChartTarget, SweepData, SweepRow } from "./sweep.js";
import { METRICS } from "../scenario/fast.js";
import { SESSION_METRICS } from "../scenario/session.js";

/** What a results file records about the models, hardware and parameter sets it rests on. */
export interface ResultProvenance {
  readonly wafersim?: string;
  readonly models: readonly string[];
  readonly hardware: readonly string[];
  /** "cerebras-2024-10 on cerebras-wse3 (fitted 2026-11-25)", ... */
  readonly parameterSets: readonly string[];
}

export interface ChartInputs {
  readonly predictions?: readonly Prediction[];
  readonly calibration?: CalibrationResult;
  readonly sessions?: readonly SessionTimeline[];
  readonly sweep?: SweepData;
  /** what the sweep rests on, when the file records it */
  readonly provenance?: ResultProvenance;
  /** targets the results carry (solve's), drawn as lines */
  readonly targets?: readonly ChartTarget[];
}

type Obj = Record<string, unknown>;

class Reader {
  readonly issues: Issue[] = [];
  constructor(readonly file: string) {}
  bad(path: string, v: unknown, problem: string, expected: string): undefined {
    this.issues.push({ file: this.file, path, problem, got: show(v), expected });
    return undefined;
  }
  obj(v: unknown, path: string): Obj | undefined {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : this.bad(path, v, "wrong type", "an object");
  }
  list(v: unknown, path: string): unknown[] | undefined {
    return Array.isArray(v) ? v : this.bad(path, v, "wrong type", "a list");
  }
  num(o: Obj, key: string, path: string, opts: { optional?: boolean; min?: number; positive?: boolean } = {}): number | undefined {
    const v = o[key];
    const at = path === "" ? key : `${path}.${key}`;
    if (v === undefined && opts.optional) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) return this.bad(at, v, v === undefined ? "missing" : "wrong type", "a finite number");
    if (opts.min !== undefined && v < opts.min) return this.bad(at, v, "too small", `at least ${opts.min}`);
    if (opts.positive && !(v > 0)) return this.bad(at, v, "must be positive", "a number greater than zero (the chart's axes are logarithmic)");
    return v;
  }
  str(o: Obj, key: string, path: string): string | undefined {
    const v = o[key];
    const at = path === "" ? key : `${path}.${key}`;
    return typeof v === "string" && v.trim() !== "" ? v : this.bad(at, v, v === undefined ? "missing" : "wrong type", "some text");
  }
}

function calibration(r: Reader, o: Obj, path: string): CalibrationResult | undefined {
  const refs = r.list(o["references"], `${path}references`) ?? [];
  const rows: CalibrationRow[] = [];
  refs.forEach((x, i) => {
    const p = `${path}references.${i}`;
    const ro = r.obj(x, p);
    if (!ro) return;
    const id = r.str(ro, "id", p);
    const published = r.num(ro, "published", p, { positive: true });
    const predicted = r.num(ro, "predicted", p, { positive: true });
    const errorPct = r.num(ro, "errorPct", p);
    const loo = r.num(ro, "looErrorPct", p, { optional: true });
    const tol = r.num(ro, "tolerancePct", p, { optional: true, min: 0 });
    const metric = ro["metric"] === undefined ? undefined : r.str(ro, "metric", p);
    const knownMiss = ro["knownMiss"] === undefined ? undefined : r.str(ro, "knownMiss", p);
    const fitted = ro["fitted"];
    if (fitted !== undefined && typeof fitted !== "boolean") r.bad(`${p}.fitted`, fitted, "wrong type", "true or false");
    if (id === undefined || published === undefined || predicted === undefined || errorPct === undefined) return;
    rows.push({
      id, published, predicted, errorPct, ...(loo !== undefined ? { looErrorPct: loo } : {}), ...(tol !== undefined ? { tolerancePct: tol } : {}),
      ...(metric !== undefined ? { metric } : {}), ...(knownMiss !== undefined ? { knownMiss } : {}), ...(typeof fitted === "boolean" ? { fitted } : {}),
    });
  });
  const mapePct = r.num(o, "mapePct", path.replace(/\.$/, ""));
  const looMapePct = r.num(o, "looMapePct", path.replace(/\.$/, ""));
  if (refs.length === 0) r.bad(`${path}references`, refs, "empty", "at least one reference");
  if (mapePct === undefined || looMapePct === undefined) return undefined;
  return { references: rows, mapePct, looMapePct };
}

const KINDS: readonly SegmentKind[] = ["model", "tool", "overhead"];

function session(r: Reader, o: Obj, path: string, label: string): SessionTimeline | undefined {
  const wall = r.num(o, "wallSeconds", path.replace(/\.$/, ""), { min: 0 });
  const turns = r.list(o["turns"], `${path}turns`) ?? [];
  const segments: Segment[] = [];
  let t = 0;
  let turn = 0;
  const add = (kind: SegmentKind, seconds: number) => {
    segments.push({ kind, startSeconds: t, seconds, turn });
    t += seconds;
  };
  turns.forEach((x, i) => {
    turn = i + 1;
    const p = `${path}turns.${i}`;
    const to = r.obj(x, p);
    if (!to) return;
    if (to["ttft"] !== undefined && to["decodeSeconds"] !== undefined) {
      liveTurn(r, to, p, add, (at) => {
        if (at > t) add("overhead", at - t); // session opening before the first turn
      });
      return;
    }
    if (to["segments"] !== undefined) {
      (r.list(to["segments"], `${p}.segments`) ?? []).forEach((g, j) => {
        const gp = `${p}.segments.${j}`;
        const go = r.obj(g, gp);
        if (!go) return;
        const kind = go["kind"];
        const seconds = r.num(go, "seconds", gp, { min: 0 });
        if (typeof kind !== "string" || !KINDS.includes(kind as SegmentKind)) r.bad(`${gp}.kind`, kind, "not a known kind", KINDS.join(", "));
        else if (seconds !== undefined) add(kind as SegmentKind, seconds);
      });
      return;
    }
    const overhead = r.num(to, "overheadSeconds", p, { min: 0 });
    const model = r.num(to, "modelSeconds", p, { min: 0 });
    const tool = r.num(to, "toolSeconds", p, { min: 0 });
    if (overhead === undefined || model === undefined || tool === undefined) return;
    add("overhead", overhead);
    add("model", model);
    add("tool", tool);
  });
  if (wall === undefined) return undefined;
  return { label, wallSeconds: Math.max(wall, t), turns: turns.length, segments };
}

/**
 * A turn as src/agent's `simulateSession` reports it: stack parts of the time to first token
 * (network, session start-up, request handling, queueing) and streaming overhead are overhead;
 * prefill, the first decode step and the rest of decode are model; then the tool.
 */
function liveTurn(r: Reader, to: Obj, p: string, add: (k: SegmentKind, s: number) => void, startAt: (s: number) => void): void {
  const start = r.num(to, "startSeconds", p, { min: 0 });
  const tt = r.obj(to["ttft"], `${p}.ttft`);
  const decode = r.num(to, "decodeSeconds", p, { min: 0 });
  const streaming = r.num(to, "streamingSeconds", p, { min: 0 });
  const tool = r.num(to, "toolSeconds", p, { min: 0 });
  if (!tt) return;
  const v = ["network", "sessionStartup", "requestHandling", "queueing", "prefill", "firstDecodeStep"].map((k) => r.num(tt, k, `${p}.ttft`, { min: 0 }));
  if (start === undefined || decode === undefined || streaming === undefined || tool === undefined || v.some((x) => x === undefined)) return;
  const [network, startup, handling, queueing, prefill, first] = v as number[];
  startAt(start);
  add("overhead", network! + startup! + handling! + queueing!);
  add("model", prefill! + first! + decode);
  add("overhead", streaming);
  add("tool", tool);
}

function sessionLabel(o: Obj): string {
  const m = o["model"] as Obj | undefined;
  const h = o["hardware"] as Obj | undefined;
  const st = o["stack"] as Obj | null | undefined;
  if (m && h && typeof m["id"] === "string" && typeof h["id"] === "string") {
    return `${m["id"]} on ${typeof h["chips"] === "number" ? `${h["chips"]} x ` : ""}${h["id"]}${st && typeof st["id"] === "string" ? ` (${st["id"]})` : ""}`;
  }
  return "session";
}

const METRIC_KEYS: ReadonlySet<string> = new Set<string>([...METRICS, ...SESSION_METRICS]);

function cell(r: Reader, v: unknown, path: string): Cell | undefined {
  if (v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) return v;
  return r.bad(path, v, "wrong type", "a number, text, true/false or null");
}

/** Whether a parsed value looks like `wafersim sweep --format json` output: rows with metric columns and a note. */
function looksLikeSweepRows(v: unknown): v is Obj[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => x !== null && typeof x === "object" && !Array.isArray(x) && "note" in x && Object.keys(x).some((k) => METRIC_KEYS.has(k)));
}

/** Whether a parsed value looks like `wafersim run --json` output of a sweep: `{ axes: [{key}], points: [{axes, metrics, note}] }`. */
function looksLikeRunSweep(v: unknown): v is Obj {
  const o = v as Obj | null;
  return !!o && typeof o === "object" && Array.isArray(o["points"]) && Array.isArray(o["axes"]);
}

/**
 * `wafersim sweep --format json`: one object per point, the swept keys first, then the metric
 * columns (src/scenario's METRICS, or SESSION_METRICS for agent sessions), then `note`.
 */
function sweepRows(r: Reader, list: readonly Obj[], path: string): SweepData | undefined {
  const axes = Object.keys(list[0]!).filter((k) => !METRIC_KEYS.has(k) && !bandColumn(k) && k !== "note");
  const rows: SweepRow[] = [];
  list.forEach((o, i) => {
    const p = `${path}${i}`;
    const ax: Record<string, Cell> = {};
    const metrics: Record<string, Cell> = {};
    const bands: Record<string, { low: number; high: number }> = {};
    for (const [k, v] of Object.entries(o)) {
      if (k === "note") continue;
      const c = cell(r, v, `${p}.${k}`);
      if (c === undefined) continue;
      const band = bandColumn(k);
      if (band) {
        if (typeof c === "number") (bands[band.metric] ??= { low: NaN, high: NaN })[band.side] = c;
        continue;
      }
      if (METRIC_KEYS.has(k)) metrics[k] = c;
      else if (axes.includes(k)) ax[k] = c;
      else r.bad(`${p}.${k}`, v, "a column the first row does not have", `the columns of the first row: ${[...axes, ...Object.keys(list[0]!).filter((x) => METRIC_KEYS.has(x))].join(", ")}`);
    }
    for (const k of axes) if (!(k in o)) r.bad(`${p}.${k}`, undefined, "missing", "every row has every swept key");
    const note = o["note"];
    if (typeof note !== "string") r.bad(`${p}.note`, note, "wrong type", "text (empty when the point ran)");
    const whole = Object.fromEntries(Object.entries(bands).filter(([, b]) => Number.isFinite(b.low) && Number.isFinite(b.high)));
    rows.push({ axes: ax, metrics, note: typeof note === "string" ? note : "", ...(Object.keys(whole).length > 0 ? { bands: whole } : {}) });
  });
  return { axes, rows, kind: rows.some((x) => "session.wallSeconds" in x.metrics) ? "session" : "prediction" };
}

/** A sweep's band column, `<metric>.low` or `<metric>.high` (issue 12: sweeps can write the band as columns). */
function bandColumn(k: string): { readonly metric: string; readonly side: "low" | "high" } | undefined {
  const m = /^(.+)\.(low|high)$/.exec(k);
  return m && METRIC_KEYS.has(m[1]!) ? { metric: m[1]!, side: m[2] as "low" | "high" } : undefined;
}

/**
 * What a results file says it rests on: `run --json`'s `provenance` (src/scenario/provenance.ts)
 * or the same object under `provenance`, `metadata` or `meta` beside a sweep's rows. Undefined
 * when the file records none.
 */
function provenanceOf(o: Obj): ResultProvenance | undefined {
  const p = ["provenance", "metadata", "meta"].map((k) => o[k]).find((v) => v !== null && typeof v === "object" && !Array.isArray(v)) as Obj | undefined;
  if (!p) return undefined;
  const list = (v: unknown): string[] => (typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const sets = Array.isArray(p["parameterSets"]) ? (p["parameterSets"] as unknown[]).map((x) => {
    if (typeof x === "string") return x;
    const so = x as Obj;
    return `${String(so["software"])} on ${String(so["hardware"])} (${String(so["method"])} ${String(so["date"])})`;
  }) : list(p["parameters"] ?? p["parameterSet"] ?? p["calibration"]);
  return { models: list(p["models"] ?? p["model"]), hardware: list(p["hardware"]), parameterSets: sets, ...(typeof p["wafersim"] === "string" ? { wafersim: p["wafersim"] } : {}) };
}

/** A solve result (`wafersim solve --json`): its evaluated values as a sweep of the varied key, with its target. */
function looksLikeSolve(o: Obj): boolean {
  return typeof o["vary"] === "string" && o["target"] !== null && typeof o["target"] === "object" && Array.isArray(o["rows"]);
}

function solveSweep(r: Reader, o: Obj): { sweep: SweepData; targets: ChartTarget[] } | undefined {
  const t = r.obj(o["target"], "target");
  const metric = t ? r.str(t, "metric", "target") : undefined;
  const op = t ? r.str(t, "op", "target") : undefined;
  const value = t ? r.num(t, "value", "target") : undefined;
  const vary = o["vary"] as string;
  const rows: SweepRow[] = [];
  let fixedKeys: string[] = [];
  (r.list(o["rows"], "rows") ?? []).forEach((row, i) => {
    const ro = r.obj(row, `rows.${i}`);
    const fixed = ro ? r.obj(ro["fixed"], `rows.${i}.fixed`) : undefined;
    if (!ro || !fixed) return;
    fixedKeys = Object.keys(fixed);
    (r.list(ro["points"], `rows.${i}.points`) ?? []).forEach((pt, j) => {
      const po = r.obj(pt, `rows.${i}.points.${j}`);
      if (!po || metric === undefined) return;
      const v = cell(r, po["value"], `rows.${i}.points.${j}.value`);
      const m = po["metric"];
      const axes: Record<string, Cell> = {};
      for (const [k, c] of Object.entries(fixed)) axes[k] = cell(r, c, `rows.${i}.fixed.${k}`) ?? null;
      axes[vary] = v ?? null;
      rows.push({ axes, metrics: { [metric]: typeof m === "number" ? m : null }, note: typeof po["note"] === "string" ? po["note"] : "" });
    });
  });
  if (metric === undefined || op === undefined || value === undefined) return undefined;
  if (rows.length === 0) return r.bad("rows", o["rows"], "no evaluated points", "the JSON of `wafersim solve --json`");
  return { sweep: { axes: [...fixedKeys, vary], rows, kind: "prediction", title: `solve: ${metric} ${op} ${value}, varying ${vary}` }, targets: [{ metric, op, value }] };
}

/** `wafersim run --json` of a scenario with a sweep. */
function runSweep(r: Reader, o: Obj, path: string): SweepData | undefined {
  const axes: string[] = [];
  (r.list(o["axes"], `${path}axes`) ?? []).forEach((a, i) => {
    const ao = r.obj(a, `${path}axes.${i}`);
    const key = ao ? r.str(ao, "key", `${path}axes.${i}`) : undefined;
    if (key !== undefined) axes.push(key);
  });
  const rows: SweepRow[] = [];
  (r.list(o["points"], `${path}points`) ?? []).forEach((v, i) => {
    const p = `${path}points.${i}`;
    const po = r.obj(v, p);
    if (!po) return;
    const ao = r.obj(po["axes"], `${p}.axes`);
    const mo = r.obj(po["metrics"], `${p}.metrics`);
    if (!ao || !mo) return;
    const ax: Record<string, Cell> = {};
    const metrics: Record<string, Cell> = {};
    for (const k of axes) {
      const c = k in ao ? cell(r, ao[k], `${p}.axes.${k}`) : r.bad(`${p}.axes.${k}`, undefined, "missing", "a value for every swept key");
      if (c !== undefined) ax[k] = c;
    }
    for (const [k, m] of Object.entries(mo)) {
      const c = cell(r, m, `${p}.metrics.${k}`);
      if (c !== undefined) metrics[k] = c;
    }
    const note = po["note"];
    rows.push({ axes: ax, metrics, note: typeof note === "string" ? note : "" });
  });
  if (rows.length === 0) r.bad(`${path}points`, o["points"], "empty", "at least one point");
  const title = typeof o["title"] === "string" ? o["title"] : undefined;
  return { axes, rows, kind: rows.some((x) => "session.wallSeconds" in x.metrics) ? "session" : "prediction", ...(title !== undefined ? { title } : {}) };
}

function sweep(r: Reader, v: unknown, path: string): SweepData | undefined {
  if (looksLikeSweepRows(v)) return sweepRows(r, v, path);
  if (looksLikeRunSweep(v)) return runSweep(r, v, path);
  return r.bad(path.replace(/\.$/, ""), v, "not a sweep", "the JSON of `wafersim sweep --format json` (a list of points) or of `wafersim run --json` on a scenario with a sweep");
}

function looksLikePrediction(v: unknown): boolean {
  const o = v as Obj | null;
  return !!o && typeof o === "object" && typeof o["decode"] === "object" && typeof o["breakdown"] === "object" && typeof o["hardware"] === "object" && typeof o["software"] === "object";
}

function predictions(r: Reader, v: unknown, path: string): Prediction[] | undefined {
  const list = Array.isArray(v) ? v : [v];
  const bad = list.findIndex((p) => !looksLikePrediction(p));
  if (bad >= 0) return r.bad(Array.isArray(v) ? `${path}${bad}` : path.replace(/\.$/, ""), list[bad], "not a prediction", "the JSON of `wafersim predict --json` (model, hardware, software, decode, breakdown, ...)");
  return list as Prediction[];
}

/** Recognises what a parsed results.json holds; throws an InputError naming every problem. */
export function readChartInputs(data: unknown, file: string): ChartInputs {
  const r = new Reader(file);
  let out: ChartInputs = {};
  if (looksLikeSweepRows(data)) {
    const s = sweepRows(r, data, "");
    if (s) out = { sweep: s };
  } else if (Array.isArray(data) && data.length > 0 && data.every((d) => d !== null && typeof d === "object" && "turns" in d)) {
    // several `session --json` outputs, e.g. Spark and Codex
    const sessions = data.flatMap((d, i) => {
      const s = session(r, d as Obj, `${i}.`, sessionLabel(d as Obj));
      return s ? [s] : [];
    });
    out = { sessions };
  } else if (Array.isArray(data)) {
    const ps = predictions(r, data, "");
    if (ps) out = { predictions: ps };
  } else if (data !== null && typeof data === "object") {
    const o = data as Obj;
    if ("references" in o) {
      const c = calibration(r, o, "");
      if (c) out = { calibration: c };
    } else if ("turns" in o) {
      const s = session(r, o, "", sessionLabel(o));
      if (s) out = { sessions: [s] };
    } else if (looksLikeSolve(o)) {
      const s = solveSweep(r, o);
      const prov = provenanceOf(o);
      if (s) out = { sweep: s.sweep, targets: s.targets, ...(prov ? { provenance: prov } : {}) };
    } else if (looksLikeRunSweep(o)) {
      const s = runSweep(r, o, "");
      const prov = provenanceOf(o);
      if (s) out = { sweep: s, ...(prov ? { provenance: prov } : {}) };
    } else if (["rows", "points"].some((k) => looksLikeSweepRows(o[k]))) {
      // sweep rows with what they rest on beside them: { provenance | metadata | meta, rows | points }
      const s = sweepRows(r, (looksLikeSweepRows(o["rows"]) ? o["rows"] : o["points"]) as Obj[], looksLikeSweepRows(o["rows"]) ? "rows." : "points.");
      const prov = provenanceOf(o);
      if (s) out = { sweep: s, ...(prov ? { provenance: prov } : {}) };
    } else if (looksLikePrediction(o)) {
      out = { predictions: [o as unknown as Prediction] };
    } else if (["calibration", "sessions", "sweep", "predictions"].some((k) => k in o)) {
      const c = o["calibration"] !== undefined ? r.obj(o["calibration"], "calibration") : undefined;
      const cal = c ? calibration(r, c, "calibration.") : undefined;
      const sessions = o["sessions"] === undefined ? undefined : (r.list(o["sessions"], "sessions") ?? []).flatMap((s, i) => {
        const so = r.obj(s, `sessions.${i}`);
        const label = so ? r.str(so, "label", `sessions.${i}`) : undefined;
        const t = so && label ? session(r, so, `sessions.${i}.`, label) : undefined;
        return t ? [t] : [];
      });
      const sweepR = o["sweep"] !== undefined ? sweep(r, o["sweep"], "sweep.") : undefined;
      const ps = o["predictions"] !== undefined ? predictions(r, o["predictions"], "predictions.") : undefined;
      out = { ...(cal ? { calibration: cal } : {}), ...(sessions && sessions.length ? { sessions } : {}), ...(sweepR ? { sweep: sweepR } : {}), ...(ps ? { predictions: ps } : {}) };
    } else {
      r.bad("", data, "not a result wafersim can chart", "calibrate --json, session --json, sweep --format json, run --json, predict/compare --json, or a bundle { calibration, sessions, sweep, predictions }");
    }
  } else {
    r.bad("", data, "not a result wafersim can chart", "a JSON object or a list of predictions");
  }
  if (r.issues.length > 0) throw new InputError(r.issues);
  return out;
}

/** A session as src/agent's `simulateSession` returns it, laid out for chart 5. */
export function sessionTimelineOf(result: unknown, label?: string): SessionTimeline {
  const r = new Reader("session");
  const o = r.obj(result, "");
  const s = o ? session(r, o, "", label ?? sessionLabel(o)) : undefined;
  if (r.issues.length > 0 || !s) throw new InputError(r.issues);
  return s;
}
