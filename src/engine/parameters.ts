import { readdirSync } from "node:fs";
import { InputError, inputError, type Issue } from "../errors.js";
import type { Hardware, HardwareKind } from "../hardware/types.js";
import { cachedDescription } from "../io/cache.js";
import { parseData } from "../io/read.js";
import { MODELS_DIR } from "../registry.js";
import { validate, type Spec } from "../schema/spec.js";
import type { Dimension } from "../units/dimensions.js";
import { parseQuantity } from "../units/parse.js";

/**
 * The named parameters physics does not give. Each has a unit, a physical range that a fit
 * must stay inside (with the reason for the range), and applies to wafers or GPUs. Values live
 * in models/params/*.yaml, one file per (hardware, software stack), with their provenance.
 */
export interface ParameterDef {
  readonly name: string;
  readonly kind: HardwareKind;
  readonly dim: Dimension | "fraction";
  readonly bounds: readonly [number, number];
  readonly why: string;
  readonly doc: string;
  /** fitted by calibration (false: set from a documented source, not identifiable from speeds) */
  readonly fitted: boolean;
  /**
   * "hardware": a property of the chip and its links (a hop across the mesh, a hand-off between
   * systems, an all-reduce over NVLink), which a new software stack does not change: one value,
   * fitted jointly to the references of every stack on the same chips.
   * "software": what a stack's kernels, synchronisation and host code achieve; fitted per stack.
   */
  readonly scope: "hardware" | "software";
}

export const PARAMETER_DEFS: readonly ParameterDef[] = [
  // ---- wafer ----
  { name: "hopLatency", kind: "wafer", dim: "time", bounds: [0.5e-9, 50e-9], doc: "time for a message to cross one mesh hop between neighbouring cores", why: "at least one clock cycle (the WSE clock is undisclosed; ~1 GHz is reported, so under 2 GHz is assumed) and at most a few tens of cycles", fitted: true, scope: "hardware" },
  { name: "collectiveSync", kind: "wafer", dim: "time", bounds: [10e-9, 50e-6], doc: "fixed cost of one reduction/broadcast phase (synchronisation, switching the fabric's colours, kernel hand-over)", why: "more than a few cycles, less than a whole per-layer time (~15 us published)", fitted: true, scope: "software" },
  { name: "sramEfficiency", kind: "wafer", dim: "fraction", bounds: [0.005, 1], doc: "fraction of each core's SRAM bandwidth a decode GEMV achieves", why: "a fraction of the vendor peak", fitted: true, scope: "software" },
  { name: "computeEfficiency", kind: "wafer", dim: "fraction", bounds: [0.005, 1], doc: "fraction of each core's peak FLOP/s a decode step's matmuls reach", why: "a fraction of the vendor peak, which may itself be a sparse figure", fitted: true, scope: "software" },
  { name: "prefillEfficiency", kind: "wafer", dim: "fraction", bounds: [0.001, 1], doc: "fraction of each core's peak FLOP/s prefill reaches while the prompt streams through the layer pipeline", why: "a fraction of the vendor peak", fitted: true, scope: "software" },
  { name: "waferLinkLatency", kind: "wafer", dim: "time", bounds: [0.1e-6, 2e-3], doc: "latency of handing activations from one wafer to the next", why: "100 GbE and switch latency is microseconds; more than 2 ms per hop would contradict the 450 tok/s of 70B on 4 wafers", fitted: true, scope: "hardware" },
  { name: "stepOverhead", kind: "wafer", dim: "time", bounds: [1e-6, 2e-3], doc: "software time per decode step outside the layers (sampling, host, streaming out)", why: "at least a microsecond of host work per step; above 2 ms no wafer figure over 500 tok/s could be reached", fitted: true, scope: "software" },
  // ---- gpu ----
  { name: "memoryEfficiency", kind: "gpu", dim: "fraction", bounds: [0.3, 1], doc: "fraction of HBM bandwidth a decode step achieves", why: "gpt-fast measured 69-82% on A100 (PyTorch blog 2023); STREAM-like tests reach ~92% (Azure GB200)", fitted: true, scope: "software" },
  { name: "computeEfficiency", kind: "gpu", dim: "fraction", bounds: [0.05, 1], doc: "fraction of dense peak FLOP/s a matmul achieves", why: "a fraction of the vendor peak", fitted: true, scope: "software" },
  { name: "allReduceLatency", kind: "gpu", dim: "time", bounds: [1e-6, 100e-6], doc: "start-up latency of one tensor-parallel all-reduce over NVLink", why: "NCCL small-message all-reduce within a node takes single to tens of microseconds", fitted: true, scope: "hardware" },
  { name: "stepOverhead", kind: "gpu", dim: "time", bounds: [10e-6, 20e-3], doc: "per decode step: kernel launches, sampling, scheduling", why: "at least one graph launch and a sampling kernel (~10 us); CUDA graphs bring it to well under a millisecond; eager PyTorch pays several ms (vLLM v0.6 blog)", fitted: true, scope: "software" },
  { name: "networkLatency", kind: "gpu", dim: "time", bounds: [1e-6, 200e-6], doc: "latency of a pipeline hand-off between nodes over InfiniBand", why: "InfiniBand point-to-point latency is a few microseconds; software adds tens", fitted: false, scope: "hardware" },
  { name: "usableMemoryFraction", kind: "gpu", dim: "fraction", bounds: [0.5, 1], doc: "fraction of HBM available to weights and KV cache", why: "CUDA context, activations and allocator reserve the rest", fitted: false, scope: "software" },
];

export interface ParameterValue {
  readonly value: number;
  readonly text: string;
  readonly source: string;
}

export interface ParameterSet {
  readonly id: string;
  readonly file: string;
  readonly kind: HardwareKind;
  readonly hardware: readonly string[];
  readonly software: { readonly id: string; readonly name: string; readonly default: boolean; readonly note?: string };
  readonly values: Readonly<Record<string, ParameterValue>>;
  readonly provenance: { readonly method: string; readonly date: string; readonly references?: readonly string[]; readonly note?: string };
}

const SET_SPEC: Spec = {
  t: "object",
  fields: {
    kind: { t: "string", enum: ["wafer", "gpu"], doc: "which parameters the set holds" },
    hardware: { t: "list", minItems: 1, of: { t: "string" }, doc: "hardware ids this set applies to" },
    software: {
      t: "object",
      fields: { id: { t: "string" }, name: { t: "string" }, default: { t: "boolean" }, note: { t: "string", optional: true } },
    },
    provenance: {
      t: "object",
      fields: {
        method: { t: "string", enum: ["derived", "fitted"] },
        date: { t: "string" },
        references: { t: "list", optional: true, of: { t: "string" } },
        note: { t: "string", optional: true },
        mapePct: { t: "number", optional: true },
        looMapePct: { t: "number", optional: true },
        residuals: { t: "record", optional: true, of: { t: "number" } },
      },
    },
    parameters: { t: "record", of: { t: "object", fields: { value: { t: "string" }, source: { t: "string" } } } },
  },
};

function parseParam(def: ParameterDef, text: string): number | string {
  if (def.dim === "fraction") {
    const v = Number(text);
    return Number.isFinite(v) ? v : "not a number";
  }
  const r = parseQuantity(text, def.dim);
  return r.ok ? r.value : `${r.problem}, expected ${r.expected}`;
}

export function loadParameterSet(file: string): ParameterSet {
  return cachedDescription(file, "parameters", (text) => parameterSetFromData(file, parseData(file, text)));
}

function parameterSetFromData(file: string, data: unknown): ParameterSet {
  const issues: Issue[] = [];
  const raw = validate(SET_SPEC, data, file, "", issues) as
    | { kind: HardwareKind; hardware: string[]; software: ParameterSet["software"]; provenance: ParameterSet["provenance"]; parameters: Record<string, { value: string; source: string }> }
    | undefined;
  if (!raw || issues.length > 0) throw new InputError(issues);
  const kinds = new Set([raw.kind]);
  const values: Record<string, ParameterValue> = {};
  for (const [name, p] of Object.entries(raw.parameters)) {
    const def = PARAMETER_DEFS.find((d) => d.name === name && kinds.has(d.kind));
    if (!def) {
      issues.push({ file, path: `parameters.${name}`, problem: "unknown parameter", expected: `one of ${PARAMETER_DEFS.filter((d) => kinds.has(d.kind)).map((d) => d.name).join(", ")}` });
      continue;
    }
    const v = parseParam(def, p.value);
    if (typeof v === "string") issues.push({ file, path: `parameters.${name}.value`, problem: v, got: JSON.stringify(p.value) });
    else if (v < def.bounds[0] || v > def.bounds[1]) issues.push({ file, path: `parameters.${name}.value`, problem: "outside its physical range", got: p.value, expected: `${def.bounds[0]} to ${def.bounds[1]} (SI): ${def.why}` });
    else values[name] = { value: v, text: p.value, source: p.source };
  }
  for (const def of PARAMETER_DEFS.filter((d) => kinds.has(d.kind))) {
    if (!values[def.name] && !issues.some((i) => i.path.startsWith(`parameters.${def.name}`))) issues.push({ file, path: `parameters.${def.name}`, problem: "missing", expected: def.doc });
  }
  if (issues.length > 0) throw new InputError(issues);
  const id = `${raw.software.id}`;
  return { id, file, kind: raw.kind, hardware: raw.hardware, software: raw.software, values, provenance: raw.provenance };
}

let all: ParameterSet[] | undefined;

export function parameterSets(): readonly ParameterSet[] {
  if (!all) {
    const dir = `${MODELS_DIR}params/`;
    all = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort().map((f) => loadParameterSet(dir + f));
  }
  return all;
}

/** Forget loaded sets (after `calibrate --write`). */
export function reloadParameterSets(): void {
  all = undefined;
}

/** The set for this hardware: the named software stack, or the hardware's default. */
export function parameterSetFor(hw: Hardware, software?: string): ParameterSet {
  const candidates = parameterSets().filter((s) => s.kind === hw.kind && s.hardware.includes(hw.id));
  const chosen = software ? candidates.find((s) => s.software.id === software) : candidates.find((s) => s.software.default) ?? candidates[0];
  if (!chosen) {
    throw inputError({
      file: "--software", path: "", problem: software ? `no parameter set for this software stack on ${hw.id}` : `no parameter set for ${hw.id}`,
      ...(software ? { got: JSON.stringify(software) } : {}),
      expected: candidates.length ? `one of ${candidates.map((c) => c.software.id).join(", ")}` : `a file in models/params/ listing ${hw.id}`,
    });
  }
  return chosen;
}

/** Plain numbers by name, for the engine's inner loops. */
export type Params = Readonly<Record<string, number>>;

export function paramValues(set: ParameterSet): Params {
  return Object.fromEntries(Object.entries(set.values).map(([k, v]) => [k, v.value]));
}

