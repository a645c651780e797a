import { InputError, type Issue } from "../errors.js";
import { cachedDescription } from "../io/cache.js";
import { parseData } from "../io/read.js";
import { MODELS_DIR } from "../registry.js";
import { validate, type Sourced, type Spec } from "../schema/spec.js";
import type { ComputePrecision } from "../hardware/types.js";
import type { WeightFormat } from "../model/arch.js";

export const WEIGHT_FORMATS: readonly WeightFormat[] = ["bf16", "fp8", "int8", "fp4", "int4"];

export interface FormatSpec {
  readonly bitsPerWeight: Sourced;
  readonly kvBytesPerElement: Sourced;
  /** compute peaks to use, best first; the first the hardware has is taken */
  readonly compute: readonly ComputePrecision[];
}

const FORMAT_SPEC: Spec = {
  t: "object",
  fields: {
    bitsPerWeight: { t: "sourced", of: { t: "number", exclusiveMin: 0, max: 64 } },
    kvBytesPerElement: { t: "sourced", of: { t: "number", exclusiveMin: 0, max: 8 } },
    compute: { t: "list", minItems: 1, of: { t: "string", enum: ["bf16", "fp8", "int8", "fp4"] } },
  },
};

let cache: Readonly<Record<WeightFormat, FormatSpec>> | undefined;

/** models/precisions.yaml: bits per weight (with block scales), KV element size, compute. */
export function formats(): Readonly<Record<WeightFormat, FormatSpec>> {
  if (cache) return cache;
  const file = `${MODELS_DIR}precisions.yaml`;
  cache = cachedDescription(file, "precisions", (text) => {
    const issues: Issue[] = [];
    const spec: Spec = { t: "object", fields: { formats: { t: "object", fields: Object.fromEntries(WEIGHT_FORMATS.map((f) => [f, FORMAT_SPEC])) } } };
    const data = validate(spec, parseData(file, text), file, "", issues) as { formats: Record<WeightFormat, FormatSpec> } | undefined;
    if (issues.length > 0 || !data) throw new InputError(issues);
    return data.formats;
  });
  return cache;
}
