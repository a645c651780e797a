import { show, type Issue } from "../errors.js";
import { PARAMETER_DEFS, type ParameterDef } from "../engine/parameters.js";
import { WEIGHT_FORMATS } from "../engine/precision.js";
import { HARDWARE_SPEC } from "../hardware/schema.js";
import { isForbiddenKey } from "../io/read.js";
import { LIMITS, MIN_FRACTION, type Limit } from "../schema/limits.js";
import { isPlainObject, outOfRange, validate, type Spec } from "../schema/spec.js";
import { DIMENSIONS, type Dimension } from "../units/dimensions.js";
import { formatSi } from "../units/format.js";
import { sectionKey, servingFieldKey } from "../serving/scenario-keys.js";

/**
 * The keys a scenario may set, one definition each: what a value must be (validated with the
 * same spec machinery as the data files, so "88 GB" is parsed with units and checked for
 * dimension), whether a range may generate it, and whether it changes the deployment
 * ("structural": model, hardware, overrides, resolved once per combination) or only the
 * workload of one point (evaluated in the inner loop).
 */
export type Value = number | string | boolean | null | { readonly draftTokens: number; readonly acceptance: number } | Relative | readonly unknown[] | Readonly<Record<string, unknown>>;

/** A relative what-if: the deployment's own value (hardware figure, fitted parameter, config field) times `times`. */
export interface Relative {
  readonly times: number;
}

export function isRelative(v: unknown): v is Relative {
  return isPlainObject(v) && typeof v["times"] === "number" && Object.keys(v).length === 1;
}

/**
 * "structural": resolved once per deployment; "workload": the inner loop; "stack": a serving
 * stack applied to a prediction; "task": an agent task profile, making every point a session;
 * "serving": a simulate: or capacity: section or one of its fields (issue 14, src/serving).
 */
export type KeyRole = "structural" | "workload" | "stack" | "task" | "serving";

export interface KeyDef {
  readonly key: string;
  readonly role: KeyRole;
  readonly doc: string;
  /** numeric keys accept ranges; `dim` makes `from`/`to` quantity strings */
  readonly range?: { readonly integer: boolean; readonly dim?: Dimension; readonly min?: number; readonly max?: number };
  /** refs (model, hardware, stack files) are resolved relative to the scenario that wrote them */
  readonly ref?: boolean;
  /** override keys of a numeric field accept a relative value "x<factor>" (see parseRelative) */
  readonly relative?: boolean;
  /** validates one value; returns the canonical value or undefined after adding issues */
  check(raw: unknown, file: string, path: string, issues: Issue[]): Value | undefined;
  /** JSON Schema of one value */
  readonly schema: Record<string, unknown>;
}

function bad(issues: Issue[], file: string, path: string, problem: string, raw: unknown, expected: string): undefined {
  issues.push({ file, path, problem, got: show(raw), expected });
  return undefined;
}

/** The one relative form: "x" then a positive decimal number, e.g. "x0.5", "x2", "x1e-3". */
const RELATIVE_FORM = /^x((\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)$/;
/** What looks like an attempt at a relative value ("X2", "2x", "x -1", "×0.5", "*2"), to say how to write it. */
const RELATIVE_ATTEMPT = /^\s*([xX×*]\s*[-+.\d]|[-+]?[\d.][\d.eE+-]*\s*[xX×]\s*$)/;
export const RELATIVE_EXPECTED = 'a factor times the deployment\'s own value, written "x<number>" with the number above zero, e.g. "x0.5" (half) or "x2" (double)';

/** True when `raw` is a string meant as a relative value (valid or not). */
export function looksRelative(raw: unknown): raw is string {
  return typeof raw === "string" && (RELATIVE_FORM.test(raw) || RELATIVE_ATTEMPT.test(raw));
}

/** Parses "x<factor>" strictly: the factor is finite and above zero. */
export function parseRelative(raw: string, file: string, path: string, issues: Issue[]): Relative | undefined {
  const m = RELATIVE_FORM.exec(raw);
  if (!m) return bad(issues, file, path, "not a relative value", raw, RELATIVE_EXPECTED);
  const times = Number(m[1]);
  if (!Number.isFinite(times) || times <= 0) return bad(issues, file, path, "a relative factor must be above zero", raw, RELATIVE_EXPECTED);
  return { times };
}

/** Wraps an override key's check: relative strings go to parseRelative, anything else to `check`. */
function withRelative(def: KeyDef): KeyDef {
  return {
    ...def, relative: true,
    check: (raw, file, path, issues) => (looksRelative(raw) ? parseRelative(raw, file, path, issues) : def.check(raw, file, path, issues)),
    schema: { ...def.schema, description: `${String(def.schema["description"] ?? def.doc)}; or relative: "x<factor>" times the deployment's own value` },
  };
}

/** A relative value where the field is not numeric: a clear error rather than a parse failure. */
function noRelative(def: KeyDef, what: string): KeyDef {
  return {
    ...def,
    check: (raw, file, path, issues) => (looksRelative(raw) ? bad(issues, file, path, `a relative value needs a numeric field, and ${what} is not one`, raw, "an absolute value") : def.check(raw, file, path, issues)),
  };
}

function specCheck(spec: Spec) {
  return (raw: unknown, file: string, path: string, issues: Issue[]): Value | undefined => {
    const before = issues.length;
    const v = validate(spec, raw, file, path, issues) as Value | undefined;
    return issues.length > before ? undefined : v;
  };
}

const wholeSpec = (min: number, limit: Limit): Spec => ({ t: "number", integer: true, min, limit });

function whole(key: string, role: KeyRole, doc: string, limit: Limit, min = 1): KeyDef {
  return {
    key, role, doc, range: { integer: true, min, max: limit.max }, check: specCheck(wholeSpec(min, limit)),
    schema: { type: "integer", minimum: min, maximum: limit.max, description: `${doc}; at most ${limit.max} (${limit.name}: ${limit.why})` },
  };
}

function ref(key: string, role: KeyRole, doc: string): KeyDef {
  return { key, role, doc, ref: true, check: specCheck({ t: "string" }), schema: { type: "string", description: doc } };
}

const SPECULATION_SPEC: Spec = {
  t: "object",
  fields: {
    draftTokens: { t: "number", integer: true, min: 1, limit: LIMITS.draftTokens, doc: "draft tokens proposed per verify step" },
    acceptance: { t: "number", min: 0, max: 1, doc: "probability each draft token is accepted" },
  },
};

const SPECULATION_SCHEMA = {
  oneOf: [
    { type: "object", properties: { draftTokens: { type: "integer", minimum: 1, maximum: LIMITS.draftTokens.max }, acceptance: { type: "number", minimum: 0, maximum: 1 } }, required: ["draftTokens", "acceptance"], additionalProperties: false },
    { const: "none" },
    { const: "stack" },
  ],
  description: "speculative decoding: {draftTokens, acceptance}, none, or stack (the speculation the software set declares, with its fitted acceptance)",
};

/** The keys of a prediction. Their order is the order of columns and of the inputs table. */
export const BASE_KEYS: readonly KeyDef[] = [
  ref("model", "structural", "model id (models/llm), our model YAML, or a Hugging Face config.json"),
  ref("hardware", "structural", "hardware id (models/hardware) or a hardware YAML file"),
  {
    key: "chips", role: "structural", doc: "number of chips (GPUs or CS systems); auto: the fewest that hold the model",
    range: { integer: true, min: 1, max: LIMITS.chips.max },
    check: (raw, file, path, issues) => (raw === "auto" ? null : specCheck(wholeSpec(1, LIMITS.chips))(raw, file, path, issues)),
    schema: { oneOf: [{ type: "integer", minimum: 1, maximum: LIMITS.chips.max }, { const: "auto" }], description: `number of chips, or auto; at most ${LIMITS.chips.max} (${LIMITS.chips.name})` },
  },
  {
    key: "precision", role: "structural", doc: "weight format; native: the model's published one",
    check: specCheck({ t: "string", enum: [...WEIGHT_FORMATS, "native"] }),
    schema: { enum: [...WEIGHT_FORMATS, "native"], description: "weight format, or native" },
  },
  ref("software", "structural", "software stack whose fitted parameters to use (a models/params software id)"),
  whole("coresPerLayer", "structural", "wafer only: cores each layer's region occupies (WaferLLM benchmarks a layer per core grid); default: the region that serves best", LIMITS.cores),
  whole("tensorParallel", "structural", "GPU only: the tensor-parallel width (it must split the attention heads within one NVLink domain); default: the layout that serves a request fastest on the chips", LIMITS.chips),
  whole("pipelineStages", "structural", "GPU only: the pipeline stages; default: the fewest that hold the model", LIMITS.chips),
  {
    key: "memoryFraction", role: "structural", doc: "GPU only: fraction of the memory left after weights and the runtime reserve that the serving engine gives to the KV cache; default: the software set's",
    range: { integer: false, min: 0, max: 1 },
    check: specCheck({ t: "number", exclusiveMin: 0, max: 1 }),
    schema: { type: "number", exclusiveMinimum: 0, maximum: 1 },
  },
  {
    key: "expertPlacement", role: "structural", doc: "wafer only: how an MoE layer's experts sit on its region: sliced (every core holds a slice of every expert, the default) or per-expert (one expert per sub-region)",
    check: specCheck({ t: "string", enum: ["sliced", "per-expert"] }),
    schema: { enum: ["sliced", "per-expert"], description: "expert placement on a wafer" },
  },
  whole("batch", "workload", "concurrent users", LIMITS.batch),
  whole("promptTokens", "workload", "prompt length in tokens", LIMITS.tokens),
  whole("outputTokens", "workload", "output length in tokens", LIMITS.tokens),
  {
    key: "speculation", role: "workload", doc: "speculative decoding: {draftTokens, acceptance}, none, or stack (the speculation the software set declares, with its fitted acceptance)",
    check: (raw, file, path, issues) => {
      if (raw === "none" || raw === null) return null;
      if (raw === "stack") return "stack";
      if (typeof raw !== "object") return bad(issues, file, path, "not a speculation", raw, "{draftTokens, acceptance}, none, or stack (the speculation the software set declares)");
      return specCheck(SPECULATION_SPEC)(raw, file, path, issues);
    },
    schema: SPECULATION_SCHEMA,
  },
  whole("speculation.draftTokens", "workload", "speculative decoding: draft tokens per verify step", LIMITS.draftTokens),
  {
    key: "speculation.acceptance", role: "workload", doc: "speculative decoding: probability each draft token is accepted",
    range: { integer: false, min: 0, max: 1 },
    check: specCheck({ t: "number", min: 0, max: 1 }),
    schema: { type: "number", minimum: 0, maximum: 1 },
  },
  ref("draftModel", "structural", "draft model for speculative decoding (id or file); default: a one-layer draft head"),
  {
    key: "task", role: "task", ref: true,
    doc: "agent task profile (models/tasks id or file): every point becomes a whole agent session (as `wafersim session`) with the point's model, hardware, chips, precision, software, stack and batch (default batch: the profile's serving assumption)",
    check: specCheck({ t: "string" }),
    schema: { type: "string", description: "agent task profile id (models/tasks) or file" },
  },
  {
    key: "stack", role: "stack", doc: "serving stack (models/stacks id or file) whose overheads are added; none for the bare model", ref: true,
    check: (raw, file, path, issues) => (raw === "none" || raw === null ? null : specCheck({ t: "string" })(raw, file, path, issues)),
    schema: { type: "string", description: "serving stack id or file, or none" },
  },
  sectionKey("simulate"),
  sectionKey("capacity"),
];

const BY_KEY = new Map(BASE_KEYS.map((k) => [k.key, k]));

export const OVERRIDE_PREFIXES = ["hardware.", "model.", "parameters."] as const;

/** The definition of a key, including override keys (hardware.*, model.*, parameters.*). */
export function keyDef(key: string, file: string, path: string, issues: Issue[]): KeyDef | undefined {
  const base = BY_KEY.get(key);
  if (base) return base;
  // "model.config.__proto__.x" would write into Object.prototype when the what-if is applied.
  if (key.split(".").some(isForbiddenKey)) {
    issues.push({ file, path, problem: "forbidden key", got: JSON.stringify(key), expected: "field names that are not __proto__, constructor or prototype", hint: "keys that reach an object's prototype are refused" });
    return undefined;
  }
  if (key.startsWith("hardware.")) return hardwareKey(key, file, path, issues);
  if (key.startsWith("parameters.")) return parameterKey(key, file, path, issues);
  if (key.startsWith("model.")) return modelKey(key, file, path, issues);
  if (key.startsWith("simulate.") || key.startsWith("capacity.")) return servingFieldKey(key, file, path, issues);
  issues.push({
    file, path, problem: "unknown key",
    expected: `one of ${BASE_KEYS.map((k) => k.key).join(", ")}, or an override hardware.<field>, model.<field>, parameters.<name>`,
  });
  return undefined;
}

/** Walks HARDWARE_SPEC along a dotted path: the spec of the field it names. */
export function hardwareFieldSpec(segments: readonly string[]): { spec: Spec; sourced: boolean } | { error: string; at: string } {
  let spec: Spec = HARDWARE_SPEC;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (spec.t === "sourced") {
      if (seg === "value" && i === segments.length - 1) return { spec, sourced: true };
      return { error: "a figure's value is overridden as a whole", at: segments.slice(0, i).join(".") };
    }
    if (spec.t !== "object") return { error: "no such field", at: segments.slice(0, i).join(".") };
    // Own fields only: "constructor" or "toString" must not find Object.prototype's members.
    const next: Spec | undefined = Object.hasOwn(spec.fields, seg) ? spec.fields[seg] : undefined;
    if (!next) return { error: `no field ${JSON.stringify(seg)}; fields here: ${Object.keys(spec.fields).join(", ")}`, at: segments.slice(0, i + 1).join(".") };
    spec = next;
  }
  return { spec, sourced: spec.t === "sourced" };
}

function hardwareKey(key: string, file: string, path: string, issues: Issue[]): KeyDef | undefined {
  const segs = key.slice("hardware.".length).split(".");
  const found = hardwareFieldSpec(segs);
  if ("error" in found) {
    issues.push({ file, path, problem: "unknown hardware field", got: JSON.stringify(key), expected: `a field of the hardware description (${found.error})`, hint: "see `wafersim schema hardware`" });
    return undefined;
  }
  const leaf: Spec = found.spec.t === "sourced" ? found.spec.of : found.spec;
  if (leaf.t === "object" || leaf.t === "list" || leaf.t === "record") {
    issues.push({ file, path, problem: "override a single field, not a whole section", got: JSON.stringify(key), expected: `one of ${leaf.t === "object" ? Object.keys(leaf.fields).map((f) => `${key}.${f}`).join(", ") : "its fields"}` });
    return undefined;
  }
  const doc = `what-if override of the hardware field ${key.slice(9)}`;
  const dim = leaf.t === "quantity" ? leaf.dim : undefined;
  const numeric = leaf.t === "quantity" || leaf.t === "number";
  const def: KeyDef = {
    key: segs.at(-1) === "value" ? key.slice(0, -".value".length) : key,
    role: "structural", doc,
    ...(leaf.t === "quantity" || leaf.t === "number" ? { range: { integer: leaf.t === "number" && !!leaf.integer, ...(dim ? { dim } : {}), ...(leaf.t === "number" && leaf.min !== undefined ? { min: leaf.min } : {}) } } : {}),
    check: (raw, f, p, is) => {
      // A plain value, or a full figure {value, source, ...} when the what-if has its own source.
      if (found.sourced && isPlainObject(raw)) return specCheck({ t: "sourced", of: leaf })(raw, f, p, is);
      return specCheck(leaf)(raw, f, p, is);
    },
    schema: leaf.t === "quantity" ? { type: "string", description: `${doc}: ${DIMENSIONS[leaf.dim].label}`, examples: [DIMENSIONS[leaf.dim].example, "x2"] } : { description: doc },
  };
  return numeric ? withRelative(def) : noRelative(def, `hardware.${segs.join(".")}`);
}

function parameterKey(key: string, file: string, path: string, issues: Issue[]): KeyDef | undefined {
  const name = key.slice("parameters.".length);
  const defs = PARAMETER_DEFS.filter((d) => d.name === name);
  if (defs.length === 0) {
    issues.push({ file, path, problem: "unknown parameter", got: JSON.stringify(name), expected: `one of ${[...new Set(PARAMETER_DEFS.map((d) => d.name))].join(", ")}` });
    return undefined;
  }
  // A name shared by wafer and GPU sets (stepOverhead, computeEfficiency) has one dimension.
  const def: ParameterDef = defs[0]!;
  const doc = `what-if value of the fitted parameter ${name}: ${def.doc}`;
  const spec = parameterSpec(def);
  if (def.dim === "fraction") {
    return withRelative({ key, role: "structural", doc, range: { integer: false, min: MIN_FRACTION, max: 1 }, check: specCheck(spec), schema: { type: "number", minimum: MIN_FRACTION, maximum: 1, description: doc } });
  }
  if (def.dim === "count") {
    return withRelative({ key, role: "structural", doc, range: { integer: false, min: def.bounds[0], max: def.bounds[1] }, check: specCheck(spec), schema: { type: "number", minimum: def.bounds[0], maximum: def.bounds[1], description: doc } });
  }
  const dim = def.dim;
  return withRelative({
    key, role: "structural", doc, range: { integer: false, dim },
    check: specCheck(spec),
    schema: { type: "string", description: `${doc}: ${DIMENSIONS[dim].label} greater than zero`, examples: [DIMENSIONS[dim].example, "x0.5"] },
  });
}

/**
 * What a what-if value of a fitted parameter must be: a fraction from MIN_FRACTION to 1 (an
 * efficiency of 0 divides by zero), a count within its physical bounds, or a quantity greater
 * than zero within its dimension's range.
 */
function parameterSpec(def: ParameterDef): Spec {
  if (def.dim === "fraction") return { t: "number", min: MIN_FRACTION, max: 1 };
  if (def.dim === "count") return { t: "number", min: def.bounds[0], max: def.bounds[1] };
  return { t: "quantity", dim: def.dim };
}

/** The spec a literal value of an override key meets (hardware.* and parameters.*; model.* is checked by the config parser). */
function overrideSpec(key: string): Spec | undefined {
  if (key.startsWith("hardware.")) {
    const found = hardwareFieldSpec(key.slice("hardware.".length).split("."));
    if ("error" in found) return undefined;
    return found.spec.t === "sourced" ? found.spec.of : found.spec;
  }
  if (key.startsWith("parameters.")) {
    const def = PARAMETER_DEFS.find((d) => d.name === key.slice("parameters.".length));
    return def ? parameterSpec(def) : undefined;
  }
  return undefined;
}

/**
 * Checks the number an override resolves to against the range a literal value of the key must
 * meet: "x1e308" of 44 GB is refused as "1e308 GB" is, and so is every value a range generates.
 * `text` is how the value was written ("x2", or "x2 of 44 GB" for a relative one).
 */
export function overrideIssue(key: string, value: number, text: string, file: string): Issue | undefined {
  const spec = overrideSpec(key);
  const bad = spec ? outOfRange(spec, value) : undefined;
  if (!spec || !bad) return undefined;
  const shown = spec.t === "quantity" && Number.isFinite(value) ? formatSi(value, DIMENSIONS[spec.dim].si) : String(value);
  return { file, path: key, problem: `${text} is ${shown}: ${bad.problem}`, got: JSON.stringify(text), expected: bad.expected };
}

function modelKey(key: string, file: string, path: string, issues: Issue[]): KeyDef | undefined {
  const rest = key.slice("model.".length);
  if (!/^(config|name)(\.[A-Za-z0-9_]+)*$/.test(rest) || rest === "config") {
    issues.push({ file, path, problem: "unknown model field", got: JSON.stringify(key), expected: "model.config.<Hugging Face config field> (e.g. model.config.num_hidden_layers) or model.name" });
    return undefined;
  }
  const doc = `what-if override of the model field ${rest} (checked by the model parser when applied)`;
  // Whether the field is numeric is known only when the model is loaded: a relative value on
  // a field that is not a number is reported then (context.ts).
  return withRelative({
    key, role: "structural", doc, range: { integer: true },
    check: (raw, f, p, is) => {
      if (raw === null || (typeof raw === "number" && !Number.isFinite(raw))) return bad(is, f, p, "not a value", raw, "a number, string, boolean or list as in config.json");
      return raw as Value;
    },
    schema: { description: doc },
  });
}
