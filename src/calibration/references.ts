import { InputError, type Issue } from "../errors.js";
import { readData } from "../io/read.js";
import { MODELS_DIR } from "../registry.js";
import { validate, type Spec } from "../schema/spec.js";
import type { WeightFormat } from "../model/arch.js";

export const METRICS = ["decode.tokensPerSecondPerUser", "prefill.seconds", "ttftSeconds", "throughput.outputTokensPerSecond"] as const;
export type Metric = (typeof METRICS)[number];
export const KINDS = ["vendor", "independent", "paper", "derived", "secondary"] as const;
export type ReferenceKind = (typeof KINDS)[number];

/** Default tolerance by kind, justified in models/references/README.md. */
export const TOLERANCE_PCT: Readonly<Record<ReferenceKind, number>> = { paper: 10, independent: 15, vendor: 20, derived: 25, secondary: 25 };

export interface Conditions {
  readonly model: string;
  readonly hardware: string;
  readonly software: string;
  readonly chips?: number;
  readonly precision?: WeightFormat;
  readonly batch: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly coresPerLayer?: number;
  /** GPU: the tensor-parallel width the source ran (pinned instead of the layout the engine would pick) */
  readonly tensorParallel?: number;
  readonly pipelineStages?: number;
  /**
   * Speculative decoding the figure was measured with: "stack" (the software set declares it:
   * its draft and fitted acceptance), or a stated draft (a model id or "head"), draft length and
   * acceptance per token or accepted tokens per step.
   */
  readonly speculation?: "stack" | StatedSpeculation;
  /** throughput.outputTokensPerSecond: a static batch run to completion (prefill included) */
  readonly batching?: "static";
}

export interface StatedSpeculation {
  readonly draft: string;
  readonly draftTokens: number;
  readonly acceptance?: number;
  /** accepted tokens per verify step (the "acceptance length" engines report) */
  readonly acceptedPerStep?: number;
  /** a tree: tokens the verify pass checks (--speculative-num-draft-tokens) */
  readonly verifyTokens?: number;
  /** a tree: candidates each draft step extends (--speculative-eagle-topk) */
  readonly draftWidth?: number;
}

/** What a reference and a check share: the figure, where it comes from, its conditions. */
interface Figure {
  readonly id: string;
  readonly metric: Metric;
  readonly published: number;
  readonly kind: ReferenceKind;
  readonly date: string;
  readonly source: string;
  readonly quote?: string;
  readonly conditions: Conditions;
  readonly assumed?: Readonly<Record<string, string>>;
}

/** A figure the parameters are fitted to (fit: true) or checked against. */
export interface Reference extends Figure {
  readonly tolerancePct: number;
  readonly fit: boolean;
  readonly knownMiss?: string;
}

/** A seed figure checked as a bound: above, below, or reachable within the batch range. */
export interface Check extends Figure {
  readonly op: ">" | "<" | "reachable";
}

const CONDITIONS: Spec = {
  t: "object",
  fields: {
    model: { t: "string" }, hardware: { t: "string" }, software: { t: "string" },
    chips: { t: "number", integer: true, min: 1, optional: true },
    precision: { t: "string", enum: ["bf16", "fp8", "int8", "fp4", "int4"], optional: true },
    batch: { t: "number", integer: true, min: 1 },
    promptTokens: { t: "number", integer: true, min: 1 },
    outputTokens: { t: "number", integer: true, min: 1 },
    coresPerLayer: { t: "number", integer: true, min: 1, optional: true, doc: "wafer only: the core grid one layer was benchmarked on (WaferLLM)" },
    tensorParallel: { t: "number", integer: true, min: 1, optional: true, doc: "GPU: the tensor-parallel width the source ran" },
    pipelineStages: { t: "number", integer: true, min: 1, optional: true },
    speculation: { t: "json", optional: true, doc: "\"stack\", or {draft, draftTokens, acceptance | acceptedPerStep}" },
    batching: { t: "string", enum: ["static"], optional: true, doc: "throughput of a static batch run to completion" },
  },
};

const COMMON = {
  id: { t: "string" }, metric: { t: "string", enum: METRICS }, published: { t: "number", exclusiveMin: 0 },
  kind: { t: "string", enum: KINDS }, date: { t: "string" }, source: { t: "string" }, quote: { t: "string", optional: true },
  conditions: CONDITIONS, assumed: { t: "record", of: { t: "string" }, optional: true },
} as const;

const FILE_SPEC: Spec = {
  t: "object",
  fields: {
    references: {
      t: "list",
      of: { t: "object", fields: { ...COMMON, tolerancePct: { t: "number", exclusiveMin: 0, max: 100, optional: true }, fit: { t: "boolean" }, knownMiss: { t: "string", optional: true } } },
    },
    checks: { t: "list", optional: true, of: { t: "object", fields: { ...COMMON, op: { t: "string", enum: [">", "<", "reachable"] } } } },
  },
};

export const REFERENCES_FILE = `${MODELS_DIR}references/figures.yaml`;

export function loadReferences(file = REFERENCES_FILE): { references: Reference[]; checks: Check[] } {
  const issues: Issue[] = [];
  const data = validate(FILE_SPEC, readData(file), file, "", issues) as { references: (Omit<Reference, "tolerancePct"> & { tolerancePct?: number })[]; checks?: Check[] } | undefined;
  if (!data || issues.length > 0) throw new InputError(issues);
  const ids = new Set<string>();
  for (const r of [...data.references, ...(data.checks ?? [])]) {
    if (ids.has(r.id)) issues.push({ file, path: `references`, problem: "duplicate id", got: r.id, expected: "unique ids" });
    ids.add(r.id);
  }
  [...data.references, ...(data.checks ?? [])].forEach((r) => checkSpeculation(r.conditions.speculation, file, `${r.id}.conditions.speculation`, issues));
  if (issues.length > 0) throw new InputError(issues);
  return {
    references: data.references.map((r) => ({ ...r, tolerancePct: r.tolerancePct ?? TOLERANCE_PCT[r.kind] })),
    checks: data.checks ?? [],
  };
}

function checkSpeculation(v: unknown, file: string, path: string, issues: Issue[]): void {
  if (v === undefined || v === "stack") return;
  const expected = "\"stack\", or {draft: <model id> | head, draftTokens: <1-16>, acceptance: <0-1> or acceptedPerStep: <1 to draftTokens + 1>, and for a tree verifyTokens: <2-1024>, draftWidth: <1-64>}";
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    issues.push({ file, path, problem: "not a speculation", got: JSON.stringify(v).slice(0, 80), expected });
    return;
  }
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !["draft", "draftTokens", "acceptance", "acceptedPerStep", "verifyTokens", "draftWidth"].includes(k));
  const k = o["draftTokens"];
  const bad = (problem: string): void => void issues.push({ file, path, problem, got: JSON.stringify(v).slice(0, 80), expected });
  if (extra.length > 0) return bad(`unknown field ${extra.join(", ")}`);
  if (typeof o["draft"] !== "string") return bad("no draft named");
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > 16) return bad("draftTokens is not a whole number from 1 to 16");
  const a = o["acceptance"];
  const t = o["acceptedPerStep"];
  if ((a === undefined) === (t === undefined)) return bad("give exactly one of acceptance and acceptedPerStep");
  if (a !== undefined && !(typeof a === "number" && a >= 0 && a < 1)) return bad("acceptance is not a probability below 1");
  if (t !== undefined && !(typeof t === "number" && t >= 1 && t <= k + 1)) return bad("acceptedPerStep is not between 1 and draftTokens + 1");
  const checked = o["verifyTokens"];
  if (checked !== undefined && !(typeof checked === "number" && Number.isInteger(checked) && checked >= 2 && checked <= 1024)) return bad("verifyTokens is not a whole number from 2 to 1024");
  const w = o["draftWidth"];
  if (w !== undefined && !(typeof w === "number" && Number.isInteger(w) && w >= 1 && w <= 64)) return bad("draftWidth is not a whole number from 1 to 64");
}

/**
 * The per-token acceptance a that gives `tokensPerStep` accepted tokens per verify step with
 * `k` drafted: solves (1 - a^(k+1)) / (1 - a) = tokensPerStep by bisection (it rises with a).
 */
export function acceptanceFor(k: number, tokensPerStep: number): number {
  const e = (a: number) => (a >= 1 ? k + 1 : (1 - Math.pow(a, k + 1)) / (1 - a));
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (e(mid) < tokensPerStep) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}
