import { InputError, type Issue } from "../errors.js";
import { defOf, getParam, PARAMETER_DEFS, withParams, type ParameterValue, type ParamName } from "../engine/parameters.js";
import { prepareFrom, withStackDraft, type Prepared } from "../engine/predict.js";
import { loadHardware } from "../hardware/load.js";
import type { Hardware } from "../hardware/types.js";
import { readData } from "../io/read.js";
import type { WeightFormat } from "../model/arch.js";
import { loadModel, modelFromData } from "../model/load.js";
import type { Model } from "../model/types.js";
import { resolveRef } from "../registry.js";
import { isPlainObject, type Sourced } from "../schema/spec.js";
import { hardwareFieldSpec, isRelative, overrideIssue, type Value } from "./keys.js";

/** A structural input of one sweep point: its value, how it was written, and where. */
export interface Given {
  readonly key: string;
  readonly value: Value;
  readonly text: string;
  readonly file: string;
}

/**
 * Turns errors raised for command-line options ("--model") into errors naming the scenario
 * file and key that gave the value: the key a flag stands for when it was given (`byFlag`),
 * otherwise `g`.
 */
function blame<T>(g: Given | undefined, fn: () => T, byFlag: Readonly<Record<string, Given | undefined>> = {}): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InputError) {
      throw new InputError(err.issues.map((i): Issue => {
        const to = byFlag[i.file] ?? g;
        return to && (i.file.startsWith("--") || i.file === "") ? { ...i, file: to.file, path: to.key } : i;
      }), { cause: err });
    }
    throw err;
  }
}

const modelCache = new Map<string, Model>();
const hardwareCache = new Map<string, Hardware>();

function model(ref: string): Model {
  let m = modelCache.get(ref);
  if (!m) { m = loadModel(ref); modelCache.set(ref, m); }
  return m;
}

function hardware(ref: string): Hardware {
  let h = hardwareCache.get(ref);
  if (!h) { h = loadHardware(ref); hardwareCache.set(ref, h); }
  return h;
}

type Mutable = Record<string, unknown>;

/** "x0.5 of 2.3 ns": a relative what-if's text, with the value it scaled. */
function relativeText(g: Given, was: string): string {
  return `${g.text} of ${was}`;
}

/**
 * A what-if on a validated hardware description: the figure is replaced by one whose source
 * is the scenario file (kind "what-if") and whose note keeps the figure it replaced.
 */
export function overrideHardware(hw: Hardware, g: Given): Hardware {
  const segs = g.key.slice("hardware.".length).split(".");
  const copy = structuredClone(hw) as unknown as Mutable;
  let node: Mutable = copy;
  for (const seg of segs.slice(0, -1)) {
    const next = node[seg];
    if (!isPlainObject(next)) node[seg] = {};
    node = node[seg] as Mutable;
  }
  const leaf = segs[segs.length - 1]!;
  const old = node[leaf];
  const wasSourced = isPlainObject(old) && "source" in old;
  const found = hardwareFieldSpec(segs);
  const sourcedField = !("error" in found) && found.sourced;
  const was = wasSourced ? `; was ${String((old as Mutable)["text"])} (${String((old as Mutable)["source"])})` : "";
  if (isRelative(g.value)) {
    const base = wasSourced ? (old as Mutable)["value"] : old;
    if (typeof base !== "number") {
      throw new InputError([{ file: g.file, path: g.key, problem: `a relative what-if needs a figure to scale, and ${hw.id} has none at ${g.key}`, got: JSON.stringify(g.text), expected: "an absolute value with its unit" }]);
    }
    const value = base * g.value.times;
    const baseText = wasSourced ? String((old as Mutable)["text"]) : String(base);
    node[leaf] = sourcedField
      ? { value, text: relativeText(g, baseText), source: g.file, kind: "what-if", note: `what-if${was}` }
      : value;
  } else if (sourcedField && isPlainObject(g.value)) {
    const given = g.value as unknown as Sourced;
    node[leaf] = { ...given, kind: given.kind ?? "what-if", note: `${given.note ? `${given.note}. ` : ""}what-if in ${g.file}${was}` };
  } else if (sourcedField) {
    node[leaf] = { value: g.value, text: g.text, source: g.file, kind: "what-if", note: `what-if${was}` };
  } else {
    node[leaf] = g.value;
  }
  // The resolved figure meets the range a literal value must ("x1e308" of 44 GB is refused as "1e308 GB" is).
  const set = node[leaf];
  const resolved = isPlainObject(set) ? set["value"] : set;
  const outside = typeof resolved === "number" ? overrideIssue(g.key, resolved, isPlainObject(set) ? String(set["text"]) : g.text, g.file) : undefined;
  if (outside) throw new InputError([outside]);
  const out = copy as unknown as Hardware;
  return { ...out, name: out.name.endsWith("(what-if)") ? out.name : `${out.name} (what-if)` };
}

function getPath(obj: Mutable, segs: readonly string[]): unknown {
  let node: unknown = obj;
  for (const seg of segs) {
    if (!isPlainObject(node)) return undefined;
    node = node[seg];
  }
  return node;
}

function setPath(obj: Mutable, segs: readonly string[], value: unknown): void {
  let node = obj;
  for (const seg of segs.slice(0, -1)) {
    if (!isPlainObject(node[seg])) node[seg] = {};
    node = node[seg] as Mutable;
  }
  node[segs[segs.length - 1]!] = value;
}

/** A what-if on a model: fields of its YAML (config.* is the Hugging Face config), re-parsed. */
export function overrideModel(ref: string, given: readonly Given[]): Model {
  const file = resolveRef("llm", ref, "--model");
  const raw = structuredClone(readData(file)) as Mutable;
  const wrapped = "config" in raw && !/\.json$/i.test(file);
  const texts: string[] = [];
  for (const g of given) {
    const segs = g.key.slice("model.".length).split(".");
    const path = wrapped || segs[0] !== "config" ? segs : segs.slice(1);
    let value: unknown = g.value;
    let text = g.text;
    if (isRelative(g.value)) {
      const base = getPath(raw, path);
      if (typeof base !== "number") {
        throw new InputError([{ file: g.file, path: g.key, problem: `a relative what-if needs a number to scale, and ${file} has ${base === undefined ? "no such field" : JSON.stringify(base)} there`, got: JSON.stringify(g.text), expected: "an absolute value" }]);
      }
      value = base * g.value.times;
      if (Number.isInteger(base) && !Number.isInteger(value)) {
        throw new InputError([{ file: g.file, path: g.key, problem: `${g.text} of ${base} is ${String(value)}, not a whole number`, got: JSON.stringify(g.text), expected: `a factor giving a whole number (the field is ${base} in ${file}), or an absolute value` }]);
      }
      text = `${String(value)} (${relativeText(g, String(base))})`;
    }
    texts.push(`${g.key.slice(6)}=${text}`);
    setPath(raw, path, value);
  }
  try {
    const m = modelFromData(file, raw);
    return { ...m, name: `${m.name} (what-if: ${texts.join(", ")})` };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(err.issues.map((i): Issue => ({ ...i, file: given[0]!.file, path: given.map((g) => g.key).join(", "), hint: `after the what-if, ${i.file}: ${i.path}: ${i.problem}` })), { cause: err });
  }
}

/** Everything one deployment needs, resolved once: the engine's Prepared plus caches. */
export interface Context {
  readonly prepared: Prepared;
  /** structural inputs as resolved for this deployment */
  readonly given: ReadonlyMap<string, Given>;
  readonly stack: string | null;
}

/**
 * Builds the deployment for one combination of structural inputs: loads (cached) model and
 * hardware, applies hardware and model what-ifs to the validated descriptions, prepares the
 * engine once (with the software set's declared draft model when `stackDraft`), then applies
 * parameter what-ifs to the plain parameter values.
 */
export function buildContext(given: ReadonlyMap<string, Given>, opts: { stackDraft?: boolean } = {}): Context {
  const get = (k: string) => given.get(k);
  const modelG = get("model")!;
  const hwG = get("hardware")!;
  const modelOverrides = [...given.values()].filter((g) => g.key.startsWith("model."));
  const m = blame(modelG, () => (modelOverrides.length > 0 ? overrideModel(String(modelG.value), modelOverrides) : model(String(modelG.value))));
  let hw = blame(hwG, () => hardware(String(hwG.value)));
  for (const g of given.values()) if (g.key.startsWith("hardware.")) hw = overrideHardware(hw, g);
  const chips = get("chips")?.value;
  const precision = get("precision")?.value;
  const software = get("software")?.value;
  const coresPerLayer = get("coresPerLayer")?.value;
  const tensorParallel = get("tensorParallel")?.value;
  const pipelineStages = get("pipelineStages")?.value;
  const memoryFraction = get("memoryFraction")?.value;
  const expertPlacement = get("expertPlacement")?.value;
  const draftG = get("draftModel");
  const draft = draftG ? blame(draftG, () => model(String(draftG.value))) : undefined;
  let pr = blame(software !== undefined ? get("software") : hwG, () => prepareFrom(m, hw, {
    ...(typeof chips === "number" ? { chips } : {}),
    ...(typeof precision === "string" && precision !== "native" ? { precision: precision as WeightFormat } : {}),
    ...(typeof software === "string" ? { software } : {}),
    ...(typeof coresPerLayer === "number" ? { coresPerLayer } : {}),
    ...(typeof tensorParallel === "number" ? { tensorParallel } : {}),
    ...(typeof pipelineStages === "number" ? { pipelineStages } : {}),
    ...(typeof memoryFraction === "number" ? { memoryFraction } : {}),
    ...(expertPlacement === "sliced" || expertPlacement === "per-expert" ? { expertPlacement } : {}),
  }, draft), { "--cores-per-layer": get("coresPerLayer"), "--tensor-parallel": get("tensorParallel"), "--pipeline-stages": get("pipelineStages"), "--memory-fraction": get("memoryFraction"), "--expert-placement": get("expertPlacement") });
  // `speculation: stack` somewhere in the scenario: the draft model the software set declares (a draft head needs none)
  if (opts.stackDraft) pr = blame(software !== undefined ? get("software") : hwG, () => withStackDraft(pr));
  const paramGiven = [...given.values()].filter((g) => g.key.startsWith("parameters."));
  if (paramGiven.length > 0) pr = overrideParameters(pr, paramGiven);
  const stack = get("stack")?.value;
  return { prepared: pr, given, stack: typeof stack === "string" ? stack : null };
}

function overrideParameters(pr: Prepared, given: readonly Given[]): Prepared {
  const issues: Issue[] = [];
  const changes: Partial<Record<ParamName, number>> = {};
  const values: Partial<Record<ParamName, ParameterValue>> = { ...pr.parameterSet.values };
  for (const g of given) {
    const name = g.key.slice("parameters.".length);
    const def = defOf(pr.hardware.kind, name);
    if (!def) {
      issues.push({ file: g.file, path: g.key, problem: `not a parameter of ${pr.hardware.kind} hardware (${pr.hardware.id})`, expected: `one of ${PARAMETER_DEFS.filter((d) => d.kind === pr.hardware.kind).map((d) => d.name).join(", ")}` });
      continue;
    }
    const old = values[def.name];
    let value = g.value as number;
    let text = g.text;
    if (isRelative(g.value)) {
      const base = getParam(pr.params, def.name);
      if (typeof base !== "number") {
        issues.push({ file: g.file, path: g.key, problem: `a relative what-if needs a fitted value to scale, and ${pr.parameterSet.id} has none for ${name}`, got: JSON.stringify(g.text), expected: "an absolute value" });
        continue;
      }
      value = base * g.value.times;
      text = relativeText(g, old?.text ?? String(base));
      if (def.dim === "fraction" && value > 1) {
        issues.push({ file: g.file, path: g.key, problem: `${text} is ${value}, above 1`, got: JSON.stringify(g.text), expected: `a fraction of at most 1: a factor of at most ${1 / base}` });
        continue;
      }
    }
    // The resolved value meets the range a literal value must.
    const outside = overrideIssue(g.key, value, text, g.file);
    if (outside) { issues.push(outside); continue; }
    changes[def.name] = value;
    values[def.name] = { value, text, source: `what-if in ${g.file}${old ? `; was ${old.text} (${old.source})` : ""}` };
  }
  if (issues.length > 0) throw new InputError(issues);
  return { ...pr, params: withParams(pr.params, changes), parameterSet: { ...pr.parameterSet, values } };
}
