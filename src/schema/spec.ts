import { show, type Issue } from "../errors.js";
import { DIMENSIONS, type Dimension } from "../units/dimensions.js";
import { parseQuantity } from "../units/parse.js";
import { withinLimit, type Limit } from "./limits.js";

/**
 * One declarative description of each input file's shape. From it come validation (all
 * problems collected, each with file, path, value and expectation), unit parsing (quantity
 * strings become SI numbers once, here) and the JSON Schema for editors. Unknown keys are
 * errors: a typo must not silently become a default.
 */
export type Spec =
  | { readonly t: "quantity"; readonly dim: Dimension; readonly doc?: string; readonly allowZero?: boolean }
  /** `limit`: a named upper bound (src/schema/limits.ts) on a number that scales work or memory */
  | { readonly t: "number"; readonly integer?: boolean; readonly min?: number; readonly exclusiveMin?: number; readonly max?: number; readonly limit?: Limit; readonly doc?: string }
  | { readonly t: "string"; readonly enum?: readonly string[]; readonly pattern?: RegExp; readonly doc?: string }
  | { readonly t: "boolean"; readonly doc?: string }
  | { readonly t: "object"; readonly fields: Readonly<Record<string, Field>>; readonly doc?: string }
  | { readonly t: "list"; readonly of: Spec; readonly minItems?: number; readonly doc?: string }
  | { readonly t: "record"; readonly of: Spec; readonly doc?: string }
  | { readonly t: "sourced"; readonly of: Spec; readonly doc?: string }
  /** any JSON value, checked elsewhere (a Hugging Face config inside our model YAML) */
  | { readonly t: "json"; readonly doc?: string };

export type Field = Spec & { readonly optional?: boolean };

/** A figure from the world: a value (usually a quantity with a unit) and its source. */
export function sourced(of: Spec, doc: string, optional = false): Field {
  return { t: "sourced", of, doc, ...(optional ? { optional } : {}) };
}

/** The `id` of a description: lower case, used on the command line and as its file name. */
export const ID_FIELD: Field = { t: "string", pattern: /^[a-z0-9][a-z0-9.-]*$/, doc: "lower-case id used on the command line" };

/** A number from the world with where it came from. `value` is SI after validation. */
export interface Sourced<T = number> {
  readonly value: T;
  /** As written in the file, e.g. "21 PB/s". */
  readonly text: string;
  readonly source: string;
  readonly date?: string;
  readonly variant?: string;
  readonly note?: string;
  readonly kind?: string;
}

export const SOURCE_KINDS = ["vendor", "independent", "paper", "derived", "secondary", "assumption", "definition", "what-if"] as const;

const sourcedFields = (of: Spec): Record<string, Field> => ({
  value: of,
  source: { t: "string", doc: "where the number comes from: URL, paper and table, or document" },
  date: { t: "string", optional: true, doc: "date of the source, YYYY or YYYY-MM or YYYY-MM-DD" },
  variant: { t: "string", optional: true, doc: "which variant the figure is for (SXM/PCIe, dense/sparse, ...)" },
  note: { t: "string", optional: true, doc: "why this value was taken, derivations, disagreements" },
  kind: { t: "string", optional: true, enum: SOURCE_KINDS, doc: "vendor | independent | paper | derived | secondary | assumption | definition | what-if" },
});

/** Validates `data` against `spec`; returns the converted value and appends every problem. */
export function validate(spec: Spec, data: unknown, file: string, path: string, issues: Issue[]): unknown {
  const at = (problem: string, expected?: string, hint?: string): undefined => {
    const issue: { -readonly [K in keyof Issue]: Issue[K] } = { file, path, problem, got: show(data) };
    if (expected !== undefined) issue.expected = expected;
    if (hint !== undefined) issue.hint = hint;
    issues.push(issue);
    return undefined;
  };
  switch (spec.t) {
    case "quantity": {
      const label = DIMENSIONS[spec.dim].label;
      if (typeof data === "number") return at("a bare number has no unit", `${label}, e.g. "${DIMENSIONS[spec.dim].example}"`);
      if (typeof data !== "string") return at("wrong type", `${label} as a string`);
      const r = parseQuantity(data, spec.dim);
      if (!r.ok) return at(r.problem, r.expected);
      const range = outOfRange(spec, r.value);
      return range ? at(range.problem, range.expected) : r.value;
    }
    case "number": {
      if (typeof data !== "number") return at("wrong type", "a number");
      const range = outOfRange(spec, data);
      return range ? at(range.problem, range.expected) : data;
    }
    case "string": {
      if (typeof data !== "string") return at("wrong type", spec.enum ? `one of ${spec.enum.join(", ")}` : "a string");
      if (spec.enum && !spec.enum.includes(data)) return at("not a known value", `one of ${spec.enum.join(", ")}`);
      if (spec.pattern && !spec.pattern.test(data)) return at("wrong form", `text matching ${spec.pattern.source}`);
      if (data.trim() === "") return at("empty", "some text");
      return data;
    }
    case "boolean":
      if (typeof data !== "boolean") return at("wrong type", "true or false");
      return data;
    case "list": {
      if (!Array.isArray(data)) return at("wrong type", "a list");
      if (spec.minItems !== undefined && data.length < spec.minItems) return at("too few items", `at least ${spec.minItems}`);
      return data.map((item, i) => validate(spec.of, item, file, `${path}[${i}]`, issues));
    }
    case "record": {
      if (!isPlainObject(data)) return at("wrong type", "an object");
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(data)) out[k] = validate(spec.of, v, file, join(path, k), issues);
      return out;
    }
    case "sourced": {
      if (!isPlainObject(data)) {
        return at("a figure needs its source", `{ value: ${exampleOf(spec.of)}, source: "...", date: "..." }`);
      }
      const out = validateObject(sourcedFields(spec.of), data, file, path, issues);
      const value = out["value"];
      return { ...out, text: typeof data["value"] === "string" ? data["value"] : String(data["value"]), value };
    }
    case "object":
      if (!isPlainObject(data)) return at("wrong type", "an object");
      return validateObject(spec.fields, data, file, path, issues);
    case "json":
      return data;
  }
}

/**
 * Whether a number (SI for a quantity) is outside the range `spec` allows: the one range check of
 * literal values and of relative what-ifs ("x2" of a figure), so both meet the same bounds.
 */
export function outOfRange(spec: Spec, value: number): { problem: string; expected: string } | undefined {
  if (spec.t === "quantity") {
    const { label } = DIMENSIONS[spec.dim];
    const range = DIMENSIONS[spec.dim].range;
    const expected = `${label} ${spec.allowZero ? "of zero or" : "greater than zero,"} from ${range.text} (${range.why})`;
    if (!Number.isFinite(value)) return { problem: "not a finite number", expected };
    if (value < 0) return { problem: "negative", expected };
    if (value === 0) return spec.allowZero ? undefined : { problem: "must be positive", expected };
    if (value < range.min) return { problem: "implausibly small", expected };
    if (value > range.max) return { problem: "implausibly large", expected };
    return undefined;
  }
  if (spec.t !== "number") return undefined;
  if (!Number.isFinite(value)) return { problem: "not finite", expected: "a finite number" };
  if (spec.integer && !Number.isInteger(value)) return { problem: "not a whole number", expected: "a whole number" };
  if (spec.min !== undefined && value < spec.min) return { problem: "too small", expected: `at least ${spec.min}` };
  if (spec.exclusiveMin !== undefined && value <= spec.exclusiveMin) return { problem: spec.exclusiveMin === 0 ? "must be positive" : "too small", expected: `greater than ${spec.exclusiveMin}` };
  if (spec.max !== undefined && value > spec.max) return { problem: "too large", expected: `at most ${spec.max}` };
  if (spec.limit !== undefined && value > spec.limit.max) return { problem: "too large", expected: withinLimit(spec.limit) };
  return undefined;
}

function validateObject(fields: Readonly<Record<string, Field>>, data: Record<string, unknown>, file: string, path: string, issues: Issue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) {
    if (!Object.hasOwn(data, key) || data[key] === undefined) {
      if (!field.optional) {
        issues.push({ file, path: join(path, key), problem: "missing", expected: expectedOf(field) });
      }
      continue;
    }
    out[key] = validate(field, data[key], file, join(path, key), issues);
  }
  for (const key of Object.keys(data)) {
    if (!Object.hasOwn(fields, key)) {
      const near = closest(key, Object.keys(fields));
      issues.push({ file, path: join(path, key), problem: "unknown field", expected: `one of ${Object.keys(fields).join(", ")}`, ...(near ? { hint: `did you mean "${near}"?` } : {}) });
    }
  }
  return out;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

function exampleOf(spec: Spec): string {
  return spec.t === "quantity" ? `"${DIMENSIONS[spec.dim].example}"` : spec.t === "number" ? "a number" : "...";
}

function expectedOf(spec: Spec): string {
  switch (spec.t) {
    case "quantity": return `${DIMENSIONS[spec.dim].label}, e.g. "${DIMENSIONS[spec.dim].example}"`;
    case "sourced": return `{ value: ${exampleOf(spec.of)}, source: "..." }`;
    case "string": return spec.enum ? `one of ${spec.enum.join(", ")}` : "a string";
    case "object": return `an object with ${Object.keys(spec.fields).filter((k) => !spec.fields[k]?.optional).join(", ") || "fields"}`;
    default: return `a ${spec.t}`;
  }
}

/** Edit distance suggestion for typos in keys (at most 2 edits). */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** JSON Schema (draft 2020-12) for editors, generated from the same spec. */
export function toJsonSchema(spec: Spec): Record<string, unknown> {
  const doc = spec.doc ? { description: spec.doc } : {};
  switch (spec.t) {
    case "quantity": {
      const { label, example, range } = DIMENSIONS[spec.dim];
      return { type: "string", description: `${spec.doc ?? label}; ${spec.allowZero ? "zero or " : ""}from ${range.text} (${range.why})`, examples: [example] };
    }
    case "number": {
      const max = Math.min(spec.max ?? Infinity, spec.limit?.max ?? Infinity);
      const description = [spec.doc, spec.limit ? `at most ${spec.limit.max} (${spec.limit.name}: ${spec.limit.why})` : undefined].filter(Boolean).join("; ");
      return { type: spec.integer ? "integer" : "number", ...(description ? { description } : {}), ...(spec.min !== undefined ? { minimum: spec.min } : {}), ...(spec.exclusiveMin !== undefined ? { exclusiveMinimum: spec.exclusiveMin } : {}), ...(Number.isFinite(max) ? { maximum: max } : {}) };
    }
    case "string":
      return { type: "string", ...doc, ...(spec.enum ? { enum: [...spec.enum] } : {}), ...(spec.pattern ? { pattern: spec.pattern.source } : {}) };
    case "boolean":
      return { type: "boolean", ...doc };
    case "list":
      return { type: "array", items: toJsonSchema(spec.of), ...doc, ...(spec.minItems !== undefined ? { minItems: spec.minItems } : {}) };
    case "record":
      return { type: "object", additionalProperties: toJsonSchema(spec.of), ...doc };
    case "sourced":
      return objectSchema(sourcedFields(spec.of), spec.doc);
    case "object":
      return objectSchema(spec.fields, spec.doc);
    case "json":
      return { ...doc };
  }
}

function objectSchema(fields: Readonly<Record<string, Field>>, description?: string): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(fields)) properties[k] = toJsonSchema(f);
  const required = Object.entries(fields).filter(([, f]) => !f.optional).map(([k]) => k);
  return { type: "object", ...(description ? { description } : {}), properties, required, additionalProperties: false };
}
