import { InputError, type Issue } from "../errors.js";
import { readData } from "../io/read.js";
import { MODELS_DIR } from "../registry.js";
import { validate, type Spec } from "../schema/spec.js";
import type { WeightFormat } from "../model/arch.js";

export const METRICS = ["decode.tokensPerSecondPerUser", "prefill.seconds", "ttftSeconds"] as const;
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
  if (issues.length > 0) throw new InputError(issues);
  return {
    references: data.references.map((r) => ({ ...r, tolerancePct: r.tolerancePct ?? TOLERANCE_PCT[r.kind] })),
    checks: data.checks ?? [],
  };
}
