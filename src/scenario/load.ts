import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError, show, type Issue } from "../errors.js";
import { readData } from "../io/read.js";
import { looksLikeFile } from "../registry.js";
import { isPlainObject } from "../schema/spec.js";
import { countPoints, countText, expandRange, isRange, MAX_POINTS, pointLimitIssue } from "./axes.js";
import { BASE_KEYS, keyDef, looksRelative, type KeyDef, type Value } from "./keys.js";
import { servingSectionOf, type ServingSection } from "../serving/scenario-keys.js";

/** The shipped scenarios folder (same relative path from src/ and dist/). */
export const SCENARIOS_DIR = fileURLToPath(new URL("../../scenarios/", import.meta.url));

/** One input of a prediction and the file that set it ("default" for built-in defaults). */
export interface Setting {
  readonly key: string;
  readonly def: KeyDef;
  readonly value: Value;
  /** as written, for people */
  readonly text: string;
  readonly file: string;
}

/** One sweep axis: a key and its values in order. */
export interface Axis {
  readonly key: string;
  readonly def: KeyDef;
  readonly values: readonly Value[];
  readonly texts: readonly string[];
  readonly file: string;
}

export interface Scenario {
  readonly file: string;
  readonly title?: string;
  readonly question?: string;
  /** every file of the extends chain, the scenario itself last */
  readonly chain: readonly string[];
  /** base inputs by key, in BASE_KEYS order, then overrides in file order */
  readonly settings: ReadonlyMap<string, Setting>;
  readonly axes: readonly Axis[];
  /** keys whose axes advance together; the rest combine as a cartesian product */
  readonly zip: readonly string[];
  readonly zipFile?: string;
  /** true when `task` is set (or swept): every point is an agent session, with session metrics */
  readonly session: boolean;
  /** a simulate: or capacity: section (or its fields) is set or swept: every point is a simulation or a capacity search */
  readonly serving?: ServingSection;
}

/** Built-in defaults, the same as `wafersim predict`'s. */
export const DEFAULTS: Readonly<Record<string, Value>> = { batch: 1, promptTokens: 1024, outputTokens: 256 };

const DOC_KEYS = ["title", "question", "description"] as const;
const STRUCTURE_KEYS = ["extends", "sweep", "zip"] as const;

/** Resolves a scenario reference: a path (relative to `from`), or a name in scenarios/. */
export function resolveScenario(ref: string, from?: string): string {
  if (looksLikeFile(ref)) return from ? resolve(dirname(from), ref) : resolve(ref);
  const local = from ? resolve(dirname(from), `${ref}.yaml`) : undefined;
  if (local && existsSync(local)) return local;
  return `${SCENARIOS_DIR}${ref}.yaml`;
}

/** One layer of settings: a scenario file, or settings from the command line (`--set`, flags) laid over it. */
export interface Layer {
  readonly file: string;
  readonly data: Record<string, unknown>;
}

/** The extends chain, root first. */
function chainOf(file: string, issues: Issue[]): Layer[] {
  const layers: Layer[] = [];
  const seen = new Set<string>();
  let current: string | undefined = file;
  let path = "";
  while (current !== undefined) {
    if (seen.has(current)) {
      issues.push({ file: layers[0]?.file ?? file, path: "extends", problem: "extends itself (a cycle)", got: [...seen, current].join(" -> "), expected: "a chain that ends" });
      break;
    }
    seen.add(current);
    let data: Record<string, unknown>;
    try {
      data = readData(current) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof InputError && layers.length > 0) {
        // Name the scenario whose extends points here as well as the missing file.
        issues.push(...err.issues.map((i) => ({ ...i, hint: `${i.hint ? `${i.hint}; ` : ""}reached from extends in ${layers[0]!.file}` })));
        break;
      }
      throw err;
    }
    layers.unshift({ file: current, data });
    const ext = data["extends"];
    if (ext === undefined) break;
    if (typeof ext !== "string" || ext.trim() === "") {
      issues.push({ file: current, path: "extends", problem: "wrong type", got: show(ext), expected: "the path or name of another scenario" });
      break;
    }
    current = resolveScenario(ext, current);
    path = "extends";
  }
  void path;
  return layers;
}

function textOf(v: unknown): string {
  if (typeof v === "string") return v;
  if (isPlainObject(v) && "draftTokens" in v) return `k=${String(v["draftTokens"])}, acceptance ${String(v["acceptance"])}`;
  if (isPlainObject(v) && "value" in v) return String(v["value"]);
  return JSON.stringify(v);
}

/** A key's check, with a clear error for a relative value on a key that takes none. */
function checkValue(def: KeyDef, raw: unknown, file: string, path: string, issues: Issue[]): Value | undefined {
  if (!def.relative && !def.ref && !/^(hardware|model|parameters)\./.test(def.key) && looksRelative(raw)) {
    issues.push({ file, path, problem: "relative values apply to what-if overrides only", got: show(raw), expected: "an absolute value here; \"x<factor>\" works for hardware.<field>, model.config.<field> and parameters.<name>" });
    return undefined;
  }
  return def.check(raw, file, path, issues);
}

/**
 * Inputs an agent session takes from its task profile or cannot take: a prediction's workload
 * (the profile gives every turn's prompt and output), speculation and what-ifs
 * (simulateSession loads model, hardware and fitted parameters by id or file).
 */
const NOT_FOR_SESSIONS: readonly { readonly match: (key: string) => boolean; readonly why: string; readonly hint?: string }[] = [
  { match: (k) => k === "promptTokens" || k === "outputTokens", why: "not used by an agent session: the task profile gives every turn's prompt and output", hint: "remove it, or edit the task profile" },
  { match: (k) => k === "speculation" || k.startsWith("speculation.") || k === "draftModel", why: "speculative decoding is not modelled in agent sessions" },
  { match: (k) => k === "coresPerLayer", why: "agent sessions place layers as a deployment does: a per-layer benchmark grid does not apply", hint: "remove it, or run the grid as a scenario without task" },
  {
    match: (k) => k.startsWith("hardware.") || k.startsWith("model.") || k.startsWith("parameters."), why: "what-if overrides are not available in agent sessions",
    hint: "a session loads model, hardware and fitted parameters by id or file: save the what-if hardware or model as its own YAML file and name it in hardware: or model:",
  },
];

function resolveRefValue(def: KeyDef, v: Value, file: string): Value {
  if (def.ref && typeof v === "string" && looksLikeFile(v)) return resolve(dirname(file), v);
  return v;
}

/** Bounds on the work a scenario may ask for. */
export interface ScenarioLimits {
  /** points at most (MAX_POINTS by default; `sweep --max-points` raises it) */
  readonly maxPoints?: number;
}

/**
 * The shared bound on a sweep's size (src/scenario/axes.ts), from the lengths its lists and
 * ranges declare: a range of `steps: 1e12` is refused before a single value is made.
 */
function sweepSizeIssue(file: string, sweep: ReadonlyMap<string, { value: unknown; file: string }>, zip: unknown, limit: number): Issue | undefined {
  const lengths: { key: string; length: number; file: string }[] = [];
  for (const [key, r] of sweep) {
    const steps = isRange(r.value) ? r.value["steps"] : undefined;
    const length = Array.isArray(r.value) ? r.value.length : typeof steps === "number" && Number.isFinite(steps) && steps >= 1 ? Math.floor(steps) : 1;
    lengths.push({ key, length, file: r.file });
  }
  const zipKeys = zip === true ? lengths.map((l) => l.key) : Array.isArray(zip) ? zip.filter((k): k is string => typeof k === "string") : [];
  const count = countPoints(lengths, zipKeys);
  if (count <= limit) return undefined;
  const biggest = lengths.reduce((a, b) => (b.length > a.length ? b : a), lengths[0] ?? { key: "", length: 0, file });
  const what = biggest.length > limit
    ? `sweep.${biggest.key} alone has ${countText(biggest.length)} values`
    : `${lengths.filter((l) => !zipKeys.includes(l.key) || l === lengths.find((x) => zipKeys.includes(x.key))).map((l) => `${countText(l.length)} (${l.key}${zipKeys.includes(l.key) ? ", zipped" : ""})`).join(" x ")}`;
  return pointLimitIssue(count, limit, { file: biggest.length > limit ? biggest.file : file, path: biggest.length > limit ? `sweep.${biggest.key}` : "sweep", what });
}

/**
 * Loads a scenario: follows `extends` (a child's keys replace its parent's; sweep axes merge
 * by key, and an axis set to null is removed), validates every key with the same rules as the
 * data files, expands ranges, and remembers which file set each value. All problems in all
 * files of the chain are collected before anything is thrown.
 */
export function loadScenario(ref: string, over: readonly Layer[] = [], limits: ScenarioLimits = {}): Scenario {
  const file = resolveScenario(ref);
  const issues: Issue[] = [];
  return scenarioOf(file, chainOf(file, issues), over, issues, limits);
}

/**
 * A scenario made of layers given in memory (command-line flags and `--set`), with no file:
 * `name` stands for the file in messages. Checked exactly as a scenario file's keys are.
 */
export function scenarioFromLayers(name: string, layers: readonly Layer[], limits: ScenarioLimits = {}): Scenario {
  return scenarioOf(name, [], layers, [], limits);
}

/** `files` (the extends chain, root first) with `over` laid on top, later layers winning. */
function scenarioOf(file: string, files: readonly Layer[], over: readonly Layer[], issues: Issue[], limits: ScenarioLimits): Scenario {
  const layers = [...files, ...over];
  const raw = new Map<string, { value: unknown; file: string }>();
  const sweep = new Map<string, { value: unknown; file: string }>();
  let zip: { value: unknown; file: string } | undefined;
  let title: string | undefined;
  let question: string | undefined;
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.data)) {
      if ((DOC_KEYS as readonly string[]).includes(key)) {
        if (typeof value !== "string") issues.push({ file: layer.file, path: key, problem: "wrong type", got: show(value), expected: "text" });
        else if (key === "title") title = value;
        else if (key === "question") question = value;
        continue;
      }
      if (key === "extends") continue;
      if (key === "sweep") {
        if (value === null) { sweep.clear(); continue; }
        if (!isPlainObject(value)) { issues.push({ file: layer.file, path: "sweep", problem: "wrong type", got: show(value), expected: "a map from keys to a list or a range {from, to, steps, scale}" }); continue; }
        for (const [k, v] of Object.entries(value)) {
          if (v === null) sweep.delete(k);
          else { sweep.delete(k); sweep.set(k, { value: v, file: layer.file }); }
        }
        continue;
      }
      if (key === "zip") { zip = { value, file: layer.file }; continue; }
      raw.set(key, { value, file: layer.file });
    }
  }
  void STRUCTURE_KEYS;

  // ---- single values ----
  const settings = new Map<string, Setting>();
  const set = (key: string, def: KeyDef, value: Value, text: string, from: string) => settings.set(key, { key, def, value, text, file: from });
  for (const def of BASE_KEYS) {
    const r = raw.get(def.key);
    if (r === undefined) {
      const d = DEFAULTS[def.key];
      if (d !== undefined) set(def.key, def, d, String(d), "default");
      continue;
    }
    const v = checkValue(def, r.value, r.file, def.key, issues);
    if (v !== undefined) set(def.key, def, resolveRefValue(def, v, r.file), textOf(r.value), r.file);
  }
  for (const [key, r] of raw) {
    if (settings.has(key) || BASE_KEYS.some((d) => d.key === key)) continue;
    const def = keyDef(key, r.file, key, issues);
    if (!def) continue;
    const v = checkValue(def, r.value, r.file, key, issues);
    if (v !== undefined) set(def.key, def, v, textOf(r.value), r.file);
  }

  // ---- the work it asks for, counted before any range is expanded ----
  const maxPoints = limits.maxPoints ?? MAX_POINTS;
  const tooMany = sweepSizeIssue(file, sweep, zip?.value, maxPoints);
  if (tooMany) throw new InputError([...issues, tooMany]);

  // ---- sweep axes ----
  const axes: Axis[] = [];
  for (const [key, r] of sweep) {
    const path = `sweep.${key}`;
    const def = keyDef(key, r.file, path, issues);
    if (!def) continue;
    if (axes.some((a) => a.key === def.key)) {
      issues.push({ file: r.file, path, problem: "the same key twice", expected: "one axis per key" });
      continue;
    }
    let values: Value[] = [];
    let texts: string[] = [];
    if (Array.isArray(r.value)) {
      if (r.value.length === 0) { issues.push({ file: r.file, path, problem: "empty list", expected: "at least one value" }); continue; }
      r.value.forEach((item, i) => {
        const v = checkValue(def, item, r.file, `${path}[${i}]`, issues);
        if (v !== undefined) { values.push(resolveRefValue(def, v, r.file)); texts.push(textOf(item)); }
      });
    } else if (isRange(r.value)) {
      const exp = expandRange(def, r.value, r.file, path, issues);
      if (!exp) continue;
      values = exp.values;
      texts = exp.texts;
    } else {
      issues.push({ file: r.file, path, problem: "wrong type", got: show(r.value), expected: `a list of values, or a range {from, to, steps, scale: linear|log}${def.range ? "" : " (this key takes a list)"}` });
      continue;
    }
    axes.push({ key: def.key, def, values, texts, file: r.file });
  }

  // ---- zip ----
  let zipKeys: string[] = [];
  if (zip) {
    if (zip.value === true) zipKeys = axes.map((a) => a.key);
    else if (zip.value === false) zipKeys = [];
    else if (Array.isArray(zip.value) && zip.value.every((k) => typeof k === "string")) {
      for (const k of zip.value as string[]) {
        if (!axes.some((a) => a.key === k)) issues.push({ file: zip.file, path: "zip", problem: "not a sweep axis", got: JSON.stringify(k), expected: `one of ${axes.map((a) => a.key).join(", ") || "(no axes)"}` });
      }
      zipKeys = zip.value as string[];
    } else issues.push({ file: zip.file, path: "zip", problem: "wrong type", got: show(zip.value), expected: "true (zip every axis) or a list of axis keys to advance together" });
    const zipped = axes.filter((a) => zipKeys.includes(a.key));
    const n = zipped[0]?.values.length;
    for (const a of zipped) {
      if (a.values.length !== n) issues.push({ file: a.file, path: `sweep.${a.key}`, problem: "zipped axes differ in length", got: `${a.values.length} values`, expected: `${n} values, as ${zipped[0]!.key} has` });
    }
  }

  // ---- what the model needs in every point ----
  const has = (k: string) => settings.has(k) || axes.some((a) => a.key === k);
  if (!has("model")) issues.push({ file, path: "model", problem: "missing", expected: "a model id or file (here, in a scenario it extends, or as a sweep axis)" });
  if (!has("hardware")) issues.push({ file, path: "hardware", problem: "missing", expected: "a hardware id or file (here, in a scenario it extends, or as a sweep axis)" });
  for (const [part, other] of [["speculation.acceptance", "speculation.draftTokens"], ["speculation.draftTokens", "speculation.acceptance"]] as const) {
    if (has(part) && !has(other) && !has("speculation")) {
      issues.push({ file, path: part, problem: `needs ${other} as well`, expected: `speculation: {draftTokens, acceptance}, or both ${part} and ${other}` });
    }
  }

  const session = has("task");
  if (session) {
    // A session's prompts and outputs come from its task profile, and its batch by default from
    // the profile's serving assumption: the prediction defaults do not apply.
    for (const [k, st] of settings) if (st.file === "default") settings.delete(k);
    const taskFrom = settings.get("task")?.file ?? axes.find((a) => a.key === "task")!.file;
    const given = [...[...settings.values()].filter((st) => st.file !== "default").map((st) => ({ key: st.key, file: st.file, path: st.key })), ...axes.map((a) => ({ key: a.key, file: a.file, path: `sweep.${a.key}` }))];
    for (const g of given) {
      const rule = NOT_FOR_SESSIONS.find((r) => r.match(g.key));
      if (rule) issues.push({ file: g.file, path: g.path, problem: rule.why, expected: `a scenario without ${g.key} (task is set in ${taskFrom})`, ...(rule.hint ? { hint: rule.hint } : {}) });
    }
  }

  const serving = servingSectionOf([...settings.keys(), ...axes.map((a) => a.key)]);
  if (serving === "both") issues.push({ file, path: "capacity", problem: "simulate and capacity in one scenario", expected: "one of the two sections" });
  else if (serving && session) issues.push({ file, path: serving, problem: `${serving} and task in one scenario`, expected: `agent traffic inside the section: ${serving}: {users, task}` });
  else if (serving) for (const [k, st] of settings) if (st.file === "default") settings.delete(k); // the section gives the workload

  if (issues.length > 0) throw new InputError(issues);
  return {
    file, chain: files.map((l) => l.file), settings, axes, zip: zipKeys, session,
    ...(serving && serving !== "both" ? { serving } : {}),
    ...(title !== undefined ? { title } : {}), ...(question !== undefined ? { question } : {}),
    ...(zip ? { zipFile: zip.file } : {}),
  };
}
