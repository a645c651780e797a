import { basename } from "node:path";
import { InputError, type Issue } from "../errors.js";
import { cachedDescription } from "../io/cache.js";
import { parseData } from "../io/read.js";
import { resolveRef } from "../registry.js";
import { LIMITS, withinLimit } from "../schema/limits.js";
import { ID_FIELD, isPlainObject, validate, type Field, type Spec } from "../schema/spec.js";
import { countParams, type Architecture, type ParamCounts } from "./arch.js";
import { architectureFromHf } from "./hf.js";
import type { Model } from "./types.js";

/** models/llm/*.yaml: provenance around a Hugging Face config, read by the same parser. */
const META_FIELDS = {
    id: ID_FIELD,
    name: { t: "string" },
    source: {
      t: "object",
      doc: "where the configuration comes from",
      fields: { url: { t: "string" }, date: { t: "string", optional: true }, note: { t: "string", optional: true } },
    },
    assumption: {
      t: "object",
      optional: true,
      doc: "for undisclosed architectures: what is assumed, why, and which published figure it must agree with",
      fields: { what: { t: "string" }, why: { t: "string" }, consistentWith: { t: "string" } },
    },
} as const satisfies Record<string, Field>;

const META_SPEC: Spec = { t: "object", fields: META_FIELDS };

/** For the JSON Schema: `config` is checked by the Hugging Face parser, not by this spec. */
export const MODEL_SPEC: Spec = {
  t: "object",
  fields: { ...META_FIELDS, config: { t: "json", doc: "a Hugging Face config.json, as published (checked by the config parser)" } },
};

/** Loads a model from an id (models/llm/<id>.yaml), one of our YAML files, or a config.json. */
export function loadModel(ref: string): Model {
  const file = resolveRef("llm", ref, "--model");
  return cachedDescription(file, "model", (text) => modelFromData(file, parseData(file, text)));
}

export function modelFromData(file: string, data: unknown): Model {
  const issues: Issue[] = [];
  const obj = data as Record<string, unknown>;
  const isHf = /\.json$/i.test(file) || !("config" in obj);
  if (isHf) {
    const arch = architectureFromHf(obj, file, "", issues);
    if (!arch || issues.length > 0) throw new InputError(issues);
    const id = basename(file).replace(/\.(json|ya?ml)$/i, "").replace(/^config$/, "model");
    const archName = Array.isArray(obj["architectures"]) ? String(obj["architectures"][0]) : String(obj["model_type"] ?? id);
    return { id, name: `${archName} (${basename(file)})`, file, source: { url: file }, arch, params: boundedParams(file, "", arch) };
  }
  const { config, ...meta } = obj;
  const m = validate(META_SPEC, meta, file, "", issues) as Omit<Model, "arch" | "params" | "file"> | undefined;
  let arch;
  if (!isPlainObject(config)) issues.push({ file, path: "config", problem: "missing or not an object", expected: "a Hugging Face config.json as an object" });
  else arch = architectureFromHf(config, file, "config", issues);
  if (issues.length > 0 || !arch || !m) throw new InputError(issues);
  return { ...m, file, arch, params: boundedParams(file, "config", arch) };
}

/** The parameter counts, refused beyond MAX_PARAMS (each size within its limit can still multiply to an absurd model). */
function boundedParams(file: string, path: string, arch: Architecture): ParamCounts {
  const params = countParams(arch);
  const total = params.totalParams + params.mtpParams;
  if (!(total <= LIMITS.params.max)) {
    throw new InputError([{ file, path, problem: "too many parameters", got: `${total.toExponential(3)} (from hidden_size, layers, FFN widths and experts)`, expected: withinLimit(LIMITS.params) }]);
  }
  return params;
}
