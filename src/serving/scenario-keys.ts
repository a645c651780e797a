import { show, type Issue } from "../errors.js";
import type { KeyDef, Value } from "../scenario/keys.js";
import { isPlainObject } from "../schema/spec.js";

/**
 * Scenario keys of issue 14: a `simulate:` or `capacity:` section (the options of `wafersim
 * simulate` / `wafersim capacity`, by their long names in camel case) makes every point of the
 * scenario a simulation or a capacity search with the point's model, hardware, chips, precision
 * and software. Each field is also a key of its own (`simulate.rate`), so it can be swept like
 * any other key. No heavy imports here: scenarios load this with every key definition.
 */
export const SERVING_SECTIONS = ["simulate", "capacity"] as const;
export type ServingSection = (typeof SERVING_SECTIONS)[number];

type FieldDef = { readonly kind: "number"; readonly integer: boolean; readonly min: number; readonly exclusiveMin?: boolean; readonly max?: number; readonly doc: string } | { readonly kind: "text"; readonly options?: readonly string[]; readonly doc: string };

const whole = (doc: string, min = 1): FieldDef => ({ kind: "number", integer: true, min, doc });

/** The fields of both sections (replicas and the disaggregated pools: simulate only). */
export const SERVING_FIELDS: Readonly<Record<string, FieldDef>> = {
  rate: { kind: "number", integer: false, min: 0, exclusiveMin: true, doc: "Poisson arrivals, requests per second" },
  arrivalCv: { kind: "number", integer: false, min: 0, exclusiveMin: true, max: 100, doc: "gamma arrivals with this coefficient of variation (1: Poisson)" },
  users: whole("agent traffic: agents, each running `task` sessions"),
  task: { kind: "text", doc: "agent traffic: task profile id (models/tasks) or file" },
  trace: { kind: "text", doc: "a request trace (CSV with Azure or BurstGPT columns, or JSONL)" },
  requests: whole("requests to issue"),
  durationSeconds: { kind: "number", integer: false, min: 0, exclusiveMin: true, doc: "issue requests for this many seconds" },
  promptTokens: { kind: "text", doc: 'prompt length: a number or "lognormal:mean=2000,cv=1.5"' },
  outputTokens: { kind: "text", doc: 'output length: a number or "lognormal:mean=300,cv=1"' },
  replicas: whole("replicas of the deployment"),
  prefillReplicas: whole("disaggregated: prefill-only replicas"),
  decodeReplicas: whole("disaggregated: decode-only replicas"),
  scheduler: { kind: "text", options: ["continuous", "static"], doc: "continuous or static batching" },
  routing: { kind: "text", options: ["round-robin", "least-outstanding", "shared-queue"], doc: "how requests go to replicas" },
  tokenBudget: whole("GPU: tokens per iteration"),
  maxSeqs: whole("sequences running at once per replica"),
  blockSize: whole("KV-cache block in tokens"),
  prefixCache: { kind: "number", integer: false, min: 0, max: 0.999999, doc: "share of each prompt served from the prefix cache" },
  slo: { kind: "text", doc: 'latency target, e.g. "ttft=1s,tpot=20ms"' },
  seed: whole("random seed", 0),
  power: { kind: "text", doc: "power data: a file, or chipWatts=..,hostWatts=..,pue=.." },
  price: { kind: "text", doc: "price data: a file, or dollarsPerChipHour=..,purchaseDollarsPerChip=..,.." },
};

const SIMULATE_ONLY = ["replicas", "prefillReplicas", "decodeReplicas"];

function fieldsOf(section: ServingSection): string[] {
  return Object.keys(SERVING_FIELDS).filter((k) => section === "simulate" || !SIMULATE_ONLY.includes(k));
}

function checkField(section: ServingSection, name: string, raw: unknown, file: string, path: string, issues: Issue[]): Value | undefined {
  const f = SERVING_FIELDS[name];
  if (!f || !fieldsOf(section).includes(name)) {
    issues.push({ file, path, problem: `unknown ${section} field`, got: JSON.stringify(name), expected: `one of ${fieldsOf(section).join(", ")}` });
    return undefined;
  }
  if (f.kind === "text") {
    // lengths may be written as a bare number of tokens
    const text = typeof raw === "number" && (name === "promptTokens" || name === "outputTokens") ? String(raw) : raw;
    if (typeof text !== "string" || text.trim() === "") { issues.push({ file, path, problem: "wrong type", got: show(raw), expected: f.doc }); return undefined; }
    if (f.options && !f.options.includes(text)) { issues.push({ file, path, problem: "not a known value", got: show(raw), expected: `one of ${f.options.join(", ")}` }); return undefined; }
    return text;
  }
  const ok = typeof raw === "number" && Number.isFinite(raw) && (!f.integer || Number.isInteger(raw)) && (f.exclusiveMin ? raw > f.min : raw >= f.min) && (f.max === undefined || raw <= f.max);
  if (!ok) { issues.push({ file, path, problem: "not a number in range", got: show(raw), expected: `${f.integer ? "a whole number" : "a number"} ${f.exclusiveMin ? "above" : "from"} ${f.min}${f.max !== undefined ? ` up to ${f.max}` : ""}` }); return undefined; }
  return raw;
}

/** The key `simulate` / `capacity`: the whole section as an object. */
export function sectionKey(section: ServingSection): KeyDef {
  const doc = section === "simulate"
    ? "every point is a request-level simulation (as `wafersim simulate`) of the point's model and hardware: {rate | users and task | trace, requests, promptTokens, outputTokens, replicas, slo, ...}"
    : "every point is a capacity search (as `wafersim capacity`) for the point's hardware: {rate | users and task, promptTokens, outputTokens, slo, requests, ...}";
  return {
    key: section, role: "serving", doc,
    check: (raw, file, path, issues) => {
      if (!isPlainObject(raw)) { issues.push({ file, path, problem: "wrong type", got: show(raw), expected: `a map of ${section} fields: ${fieldsOf(section).join(", ")}` }); return undefined; }
      const before = issues.length;
      const out: Record<string, Value> = {};
      for (const [k, v] of Object.entries(raw)) {
        const c = checkField(section, k, v, file, `${path}.${k}`, issues);
        if (c !== undefined) out[k] = c;
      }
      return issues.length > before ? undefined : out;
    },
    schema: { type: "object", description: doc, properties: Object.fromEntries(fieldsOf(section).map((k) => [k, { description: SERVING_FIELDS[k]!.doc }])), additionalProperties: false },
  };
}

/** A key `simulate.<field>` / `capacity.<field>`: one field, to set or sweep. */
export function servingFieldKey(key: string, file: string, path: string, issues: Issue[]): KeyDef | undefined {
  const [section, name, ...rest] = key.split(".") as [ServingSection, string, ...string[]];
  if (rest.length > 0 || !fieldsOf(section).includes(name)) {
    issues.push({ file, path, problem: `unknown ${section} field`, got: JSON.stringify(key), expected: fieldsOf(section).map((k) => `${section}.${k}`).join(", ") });
    return undefined;
  }
  const f = SERVING_FIELDS[name]!;
  return {
    key, role: "serving", doc: `${section}: ${f.doc}`,
    ...(f.kind === "number" ? { range: { integer: f.integer, min: f.min, ...(f.max !== undefined ? { max: f.max } : {}) } } : {}),
    check: (raw, fl, p, is) => checkField(section, name, raw, fl, p, is),
    schema: { description: `${section}: ${f.doc}` },
  };
}

/** Which section a scenario's keys use (settings and axes), or undefined. */
export function servingSectionOf(keys: readonly string[]): ServingSection | "both" | undefined {
  const sim = keys.some((k) => k === "simulate" || k.startsWith("simulate."));
  const cap = keys.some((k) => k === "capacity" || k.startsWith("capacity."));
  return sim && cap ? "both" : sim ? "simulate" : cap ? "capacity" : undefined;
}
