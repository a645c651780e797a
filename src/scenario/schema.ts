import { HARDWARE_SPEC } from "../hardware/schema.js";
import { MODEL_SPEC } from "../model/load.js";
import { toJsonSchema } from "../schema/spec.js";
import { BASE_KEYS } from "./keys.js";

/** simulate.<field> and capacity.<field> keys (src/serving/scenario-keys.ts) */
const SERVING_PATTERN = "^(simulate|capacity)\\.[A-Za-z]+$";

/**
 * JSON Schema (draft 2020-12) of scenario files, for editors (yaml-language-server:
 * `# yaml-language-server: $schema=...`). Override keys (hardware.*, model.*, parameters.*)
 * are matched by pattern; their values are checked by wafersim against the hardware schema,
 * the model parser and the parameter definitions, which a generic schema cannot express.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  const range = {
    type: "object",
    description: "a range: `steps` values from `from` to `to`, evenly spaced (linear) or by a constant factor (log)",
    properties: {
      from: { type: ["number", "string"], description: "a number, a quantity with a unit for quantity keys, or for override keys a relative factor \"x<factor>\" (then both ends are relative)" },
      to: { type: ["number", "string"] },
      steps: { type: "integer", minimum: 1 },
      scale: { enum: ["linear", "log"], default: "linear" },
    },
    required: ["from", "to", "steps"],
    additionalProperties: false,
  };
  const properties: Record<string, unknown> = {
    title: { type: "string", description: "a short title" },
    question: { type: "string", description: "the question the scenario answers" },
    description: { type: "string" },
    extends: { type: "string", description: "another scenario (path relative to this file, or a name in scenarios/) whose keys this one starts from" },
    zip: { oneOf: [{ type: "boolean" }, { type: "array", items: { type: "string" } }], description: "true: all sweep axes advance together; a list: these axes advance together; default: cartesian product" },
  };
  const sweepProps: Record<string, unknown> = {};
  for (const k of BASE_KEYS) {
    properties[k.key] = { ...k.schema, description: k.doc };
    sweepProps[k.key] = k.range ? { oneOf: [{ type: "array", items: k.schema, minItems: 1 }, range, { type: "null" }] } : { oneOf: [{ type: "array", items: k.schema, minItems: 1 }, { type: "null" }] };
  }
  const override = {
    description: "a what-if: hardware.<field> (a quantity with its unit, e.g. \"88 GB\", or {value, source}), model.config.<field>, or parameters.<name> (e.g. \"0.5 ns\"); any numeric one also relative: \"x<factor>\", the deployment's own value (hardware figure, fitted parameter, config field) times a factor above zero, e.g. \"x0.5\" or \"x2\", robust to recalibration",
    examples: ["88 GB", "0.5 ns", "x2", "x0.5"],
  };
  const overridePattern = "^(hardware|model|parameters)\\.[A-Za-z0-9_.]+$";
  properties["sweep"] = {
    type: ["object", "null"],
    description: "axes: a key and its list of values, or a range {from, to, steps, scale}",
    properties: sweepProps,
    patternProperties: { [overridePattern]: { oneOf: [{ type: "array", minItems: 1 }, range, { type: "null" }] }, [SERVING_PATTERN]: { oneOf: [{ type: "array", minItems: 1 }, range, { type: "null" }] } },
    additionalProperties: false,
  };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://wafersim.dev/schema/scenario.json",
    title: "wafersim scenario",
    type: "object",
    properties,
    patternProperties: { [overridePattern]: override, [SERVING_PATTERN]: { description: "one field of the simulate: or capacity: section (issue 14), set or swept on its own" } },
    additionalProperties: false,
  };
}

/** The JSON Schema of one kind of input file. */
export function jsonSchemaFor(kind: "scenario" | "hardware" | "model"): Record<string, unknown> {
  if (kind === "scenario") return scenarioJsonSchema();
  const spec = kind === "hardware" ? HARDWARE_SPEC : MODEL_SPEC;
  return { $schema: "https://json-schema.org/draft/2020-12/schema", title: `wafersim ${kind}`, ...toJsonSchema(spec) };
}
