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
 * The named parameters physics does not give, as typed records: `params.hopLatency`, so a
 * typo is a compile error. Each has a unit, a physical range a fit must stay inside (with the
 * reason for the range), and a scope: where its physics lives. Values live in
 * models/params/*.yaml, one file per (hardware, software stack), with their provenance.
 */
export interface WaferParams {
  readonly kind: "wafer";
  readonly hopLatency: number;
  readonly collectivesPerLayer: number;
  readonly collectiveSync: number;
  readonly sramEfficiency: number;
  readonly prefillEfficiency: number;
  readonly waferLinkLatency: number;
  readonly stepOverhead: number;
  readonly prefillOverhead: number;
  readonly draftOverhead: number;
  /** acceptance of the stack's declared speculative decoding (only sets that declare it) */
  readonly speculationAcceptance?: number;
}

export interface GpuParams {
  readonly kind: "gpu";
  readonly memoryEfficiency: number;
  readonly computeEfficiency: number;
  readonly lowPrecisionEfficiency: number;
  readonly allReduceLatency: number;
  readonly allReduceEfficiency: number;
  readonly stepOverhead: number;
  readonly prefillOverhead: number;
  readonly draftOverhead: number;
  readonly networkLatency: number;
  /** fraction of the memory left after weights and the runtime reserve that the engine gives to the KV cache */
  readonly memoryFraction: number;
  /** bytes per GPU the runtime keeps: CUDA context, communication buffers, activation workspace */
  readonly runtimeReserve: number;
  readonly speculationAcceptance?: number;
}

export type Params = WaferParams | GpuParams;
export type WaferParamName = Exclude<keyof WaferParams, "kind">;
export type GpuParamName = Exclude<keyof GpuParams, "kind">;
export type ParamName = WaferParamName | GpuParamName;

export interface ParameterDef {
  readonly name: ParamName;
  readonly kind: HardwareKind;
  /** a unit's dimension; "fraction": of a peak, 0 to 1; "count": a plain number */
  readonly dim: Dimension | "fraction" | "count";
  readonly bounds: readonly [number, number];
  readonly why: string;
  readonly doc: string;
  /** fitted by calibration (false: set from a documented source, not identifiable from speeds) */
  readonly fitted: boolean;
  /**
   * Where the physics lives, and so which parameter sets share one value:
   * "hardware": a property of the chip and its links (a hop across the mesh, a hand-off between
   *   wafers or nodes), which no software changes: one value per chip, fitted jointly to the
   *   references of every stack on it.
   * "software": what a stack's kernels, collective library, synchronisation and host code
   *   achieve (efficiencies, an all-reduce's start-up in NCCL or a custom kernel, per-step
   *   overhead): fitted per stack.
   */
  readonly scope: "hardware" | "software";
  /** present only in sets that declare it (speculation acceptance) */
  readonly optional?: boolean;
}

type Def<N extends ParamName> = ParameterDef & { readonly name: N };

const WAFER_DEFS: readonly Def<WaferParamName>[] = [
  { name: "hopLatency", kind: "wafer", dim: "time", bounds: [0.5e-9, 50e-9], doc: "time for a message to cross one mesh hop between neighbouring cores", why: "at least one clock cycle (the WSE clock is about 1.1 GHz; under 2 GHz is assumed) and at most a few tens of cycles", fitted: true, scope: "hardware" },
  { name: "collectivesPerLayer", kind: "wafer", dim: "count", bounds: [2, 16], doc: "synchronising all-reduces a dense decoder layer's decode kernels run across its region (an MoE layer adds two: the router's top-k and the combine)", why: "at least the two reductions any layer needs (after attention and after the FFN); WaferLLM's kernels run ten (MeshInfra/WaferLLM Decode/WSE-2/src/decode.csl, decode_struct); fusing some is what a rewritten runtime does, running more than sixteen is not", fitted: false, scope: "software" },
  { name: "collectiveSync", kind: "wafer", dim: "time", bounds: [10e-9, 50e-6], doc: "fixed cost of one reduction/broadcast phase (synchronisation, switching the fabric's colours, kernel hand-over)", why: "more than a few cycles, less than a whole per-layer time (~15 us published)", fitted: true, scope: "software" },
  { name: "sramEfficiency", kind: "wafer", dim: "fraction", bounds: [0.005, 1], doc: "fraction of each core's peak a decode GEMV achieves, in SRAM bytes and in FLOPs alike: one instruction stream fetches the operands and multiplies them each cycle (WaferLLM, OSDI 2025, section 7)", why: "a fraction of the per-cycle peak", fitted: true, scope: "software" },
  { name: "prefillEfficiency", kind: "wafer", dim: "fraction", bounds: [0.001, 1], doc: "fraction of each core's peak FLOP/s prefill reaches while the prompt streams through the layer pipeline", why: "a fraction of the vendor peak", fitted: true, scope: "software" },
  { name: "waferLinkLatency", kind: "wafer", dim: "time", bounds: [0.1e-6, 2e-3], doc: "latency of handing activations from one wafer to the next", why: "100 GbE and switch latency is microseconds; more than 2 ms per hop would contradict the 450 tok/s of 70B on 4 wafers", fitted: true, scope: "hardware" },
  { name: "stepOverhead", kind: "wafer", dim: "time", bounds: [1e-6, 400e-6], doc: "software time per decode step outside the layers (sampling, the token's trip out to the host and the next step's start)", why: "at least a microsecond (one Ethernet frame); at most the whole time per token Cerebras's own API reported for gpt-oss-120b, 6 tokens in 2.41 ms = 402 us (inference-docs.cerebras.ai api-reference/completions example, 2026-01-24), which holds the layers too", fitted: true, scope: "software" },
  { name: "prefillOverhead", kind: "wafer", dim: "time", bounds: [1e-6, 1e-3], doc: "software time per prefill pass beyond a step's: taking a request's prompt onto the wafer, setting up its KV cache, the first sampling", why: "at least a microsecond; at most a millisecond: the earliest published Cerebras API example prefilled 12 tokens in 1.07 ms in all (inference-docs.cerebras.ai api-reference/chat-completions, created 2024-08-15)", fitted: true, scope: "software" },
  { name: "draftOverhead", kind: "wafer", dim: "time", bounds: [1e-8, 1e-3], doc: "software time per speculative draft step beyond the draft's forward pass: picking its token, handing it on", why: "at least a few cycles; at most a millisecond, the time of a whole decode step of the largest models served", fitted: true, scope: "software" },
  { name: "speculationAcceptance", kind: "wafer", dim: "fraction", bounds: [0.3, 0.95], doc: "probability that each drafted token is accepted, for the speculation the stack declares", why: "drafts that are accepted less than 30% of the time are not deployed; above 95% is beyond published draft-model and draft-head acceptance", fitted: true, scope: "software", optional: true },
];

const GPU_DEFS: readonly Def<GpuParamName>[] = [
  { name: "memoryEfficiency", kind: "gpu", dim: "fraction", bounds: [0.3, 1], doc: "fraction of HBM bandwidth a decode step achieves", why: "gpt-fast measured 69-82% on A100 (PyTorch blog 2023); STREAM-like tests reach ~92% (Azure GB200)", fitted: true, scope: "software" },
  { name: "computeEfficiency", kind: "gpu", dim: "fraction", bounds: [0.05, 1], doc: "fraction of the dense 16-bit peak FLOP/s the matmuls and attention of prefill and large batches achieve", why: "a fraction of the vendor peak", fitted: true, scope: "software" },
  { name: "lowPrecisionEfficiency", kind: "gpu", dim: "fraction", bounds: [0.05, 1], doc: "fraction of the dense 8-bit or 4-bit peak FLOP/s the same work achieves when the weights run at that peak", why: "a fraction of the vendor peak; lower than the 16-bit one on Hopper (FlashAttention-3: 75% of the fp16 peak, 61% of the fp8 one, arXiv 2407.08608)", fitted: true, scope: "software" },
  { name: "allReduceLatency", kind: "gpu", dim: "time", bounds: [1e-6, 100e-6], doc: "start-up latency of one tensor-parallel all-reduce: the collective library's kernel (NCCL, a custom one-shot all-reduce) over NVLink", why: "small-message all-reduce within a node takes single to tens of microseconds, depending on the library", fitted: true, scope: "software" },
  { name: "allReduceEfficiency", kind: "gpu", dim: "fraction", bounds: [0.1, 1], doc: "fraction of the NVLink rate (each way) a tensor-parallel all-reduce's transfer achieves: its bus bandwidth over the link's", why: "NCCL's ring all-reduce on 8 x H100 reached 741 of the 900 GB/s both ways at its largest messages (ASTRA-sim's HGX-H100 validation, astra-sim.github.io), less for the tens of MB of a prefill's activations; below a tenth, NVLink would be slower than the PCIe 5 x16 path beside it (64 GB/s each way, 14% of H100's 450)", fitted: true, scope: "software" },
  { name: "stepOverhead", kind: "gpu", dim: "time", bounds: [10e-6, 20e-3], doc: "per decode step: kernel launches, sampling, scheduling", why: "at least one graph launch and a sampling kernel (~10 us); CUDA graphs bring it to well under a millisecond; eager PyTorch pays several ms (vLLM v0.6 blog)", fitted: true, scope: "software" },
  { name: "prefillOverhead", kind: "gpu", dim: "time", bounds: [1e-6, 50e-3], doc: "software time per prefill pass beyond a step's: scheduling a request, copying its prompt in, setting up its KV blocks, the first sampling", why: "at least a microsecond; TensorRT-LLM's batch-1 first-token latency of a 128-token prompt is 5.7 ms on H200 for a 7B model whose reads and FLOPs take about 2 ms (v0.9 performance tables), so milliseconds, not tens of them", fitted: true, scope: "software" },
  { name: "networkLatency", kind: "gpu", dim: "time", bounds: [1e-6, 200e-6], doc: "latency of a pipeline hand-off between nodes over InfiniBand", why: "InfiniBand point-to-point latency is a few microseconds; software adds tens", fitted: false, scope: "hardware" },
  { name: "memoryFraction", kind: "gpu", dim: "fraction", bounds: [0.05, 1], doc: "fraction of the memory left after the weights and the runtime reserve that the serving engine gives to the KV cache", why: "a serving engine's setting (TensorRT-LLM kv_cache_free_gpu_mem_fraction, vLLM gpu_memory_utilization, SGLang mem_fraction_static)", fitted: false, scope: "software" },
  { name: "runtimeReserve", kind: "gpu", dim: "bytes", bounds: [0, 40e9], doc: "memory per GPU the runtime keeps besides weights and KV cache: CUDA context, communication buffers, activation workspace", why: "a CUDA context alone is hundreds of MB; activation workspaces for thousands of tokens per step are GBs", fitted: false, scope: "software" },
  { name: "draftOverhead", kind: "gpu", dim: "time", bounds: [1e-7, 5e-3], doc: "software time per speculative draft step beyond the draft's forward pass: kernel launches, sampling the draft's candidates, building and checking the token tree", why: "at least a kernel launch; at most a few ms (eager stacks)", fitted: true, scope: "software" },
  { name: "speculationAcceptance", kind: "gpu", dim: "fraction", bounds: [0.3, 0.95], doc: "probability that each drafted token is accepted, for the speculation the stack declares", why: "drafts accepted less than 30% of the time are not deployed; above 95% is beyond published acceptance", fitted: true, scope: "software", optional: true },
];

export const PARAMETER_DEFS: readonly ParameterDef[] = [...WAFER_DEFS, ...GPU_DEFS];

export function defsOf(kind: HardwareKind): readonly ParameterDef[] {
  return kind === "wafer" ? WAFER_DEFS : GPU_DEFS;
}

export function defOf(kind: HardwareKind, name: string): ParameterDef | undefined {
  return defsOf(kind).find((d) => d.name === name);
}

export interface ParameterValue {
  readonly value: number;
  readonly text: string;
  readonly source: string;
}

/**
 * Speculative decoding a serving stack is known to use (the vendor said so): the draft and its
 * length, declared with the statement's source; its acceptance is the fitted parameter
 * `speculationAcceptance`. References measured with it name `speculation: stack` in their
 * conditions; the stack's physics parameters never absorb it.
 */
export interface DeclaredSpeculation {
  /** a model id, or "head" for a one-layer draft head */
  readonly draft: string;
  /** tokens drafted per verify step; "best": the length that decodes fastest at the fitted acceptance, as a runtime would tune it */
  readonly draftTokens: number | "best";
  readonly source: string;
}

export interface ParameterSet {
  readonly id: string;
  readonly file: string;
  readonly kind: HardwareKind;
  readonly hardware: readonly string[];
  readonly software: { readonly id: string; readonly name: string; readonly default: boolean; readonly note?: string };
  readonly values: Readonly<Partial<Record<ParamName, ParameterValue>>>;
  readonly speculation?: DeclaredSpeculation;
  readonly provenance: Provenance;
}

/** What a fit recorded: the references, errors, and per reference what bands are built from. */
export interface Provenance {
  readonly method: string;
  readonly date: string;
  readonly references?: readonly string[];
  readonly note?: string;
  readonly mapePct?: number;
  readonly looMapePct?: number;
  readonly residuals?: Readonly<Record<string, number>>;
  /** leave-one-out error (%) of each fitted reference, with the metric and conditions it was measured at */
  readonly leaveOneOut?: Readonly<Record<string, LooRecord>>;
  /** fitted parameters no reference of the set identifies */
  readonly unidentified?: readonly string[];
}

export interface LooRecord {
  readonly metric: string;
  readonly errorPct: number;
  /** total parameters, batch, context and chips of the reference: how far a prediction extrapolates */
  readonly params: number;
  readonly batch: number;
  readonly context: number;
  readonly chips: number;
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
    speculation: {
      t: "object", optional: true,
      doc: "speculative decoding the vendor says the stack uses",
      fields: { draft: { t: "string" }, draftTokens: { t: "json", doc: "a whole number from 1 to 16, or \"best\"" }, source: { t: "string" } },
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
        leaveOneOut: {
          t: "record", optional: true,
          of: { t: "object", fields: { metric: { t: "string" }, errorPct: { t: "number" }, params: { t: "number" }, batch: { t: "number" }, context: { t: "number" }, chips: { t: "number" } } },
        },
        unidentified: { t: "list", optional: true, of: { t: "string" } },
      },
    },
    parameters: { t: "record", of: { t: "object", fields: { value: { t: "string" }, source: { t: "string" } } } },
  },
};

function parseParam(def: ParameterDef, text: string): number | string {
  if (def.dim === "fraction" || def.dim === "count") {
    const v = Number(text);
    return Number.isFinite(v) ? v : "not a number";
  }
  const r = parseQuantity(text, def.dim);
  return r.ok ? r.value : `${r.problem}, expected ${r.expected}`;
}

export function loadParameterSet(file: string): ParameterSet {
  return cachedDescription(file, "parameters", (text) => parameterSetFromData(file, parseData(file, text)));
}

type RawSet = { kind: HardwareKind; hardware: string[]; software: ParameterSet["software"]; speculation?: DeclaredSpeculation; provenance: Provenance; parameters: Record<string, { value: string; source: string }> };

function parameterSetFromData(file: string, data: unknown): ParameterSet {
  const issues: Issue[] = [];
  const raw = validate(SET_SPEC, data, file, "", issues) as RawSet | undefined;
  if (!raw || issues.length > 0) throw new InputError(issues);
  const k = raw.speculation?.draftTokens;
  if (k !== undefined && k !== "best" && !(typeof k === "number" && Number.isInteger(k) && k >= 1 && k <= 16)) {
    issues.push({ file, path: "speculation.draftTokens", problem: "not a draft length", got: JSON.stringify(k).slice(0, 80), expected: "a whole number from 1 to 16, or \"best\"" });
  }
  const defs = defsOf(raw.kind);
  const values: Partial<Record<ParamName, ParameterValue>> = {};
  for (const [name, p] of Object.entries(raw.parameters)) {
    const def = defs.find((d) => d.name === name);
    if (!def) {
      issues.push({ file, path: `parameters.${name}`, problem: "unknown parameter", expected: `one of ${defs.map((d) => d.name).join(", ")}` });
      continue;
    }
    const v = parseParam(def, p.value);
    if (typeof v === "string") issues.push({ file, path: `parameters.${name}.value`, problem: v, got: JSON.stringify(p.value) });
    else if (v < def.bounds[0] || v > def.bounds[1]) issues.push({ file, path: `parameters.${name}.value`, problem: "outside its physical range", got: p.value, expected: `${def.bounds[0]} to ${def.bounds[1]} (SI): ${def.why}` });
    else values[def.name] = { value: v, text: p.value, source: p.source };
  }
  for (const def of defs) {
    const needed = def.optional ? raw.speculation !== undefined : true;
    if (needed && !values[def.name] && !issues.some((i) => i.path.startsWith(`parameters.${def.name}`))) issues.push({ file, path: `parameters.${def.name}`, problem: "missing", expected: def.doc });
    if (!needed && values[def.name]) issues.push({ file, path: `parameters.${def.name}`, problem: "a speculation acceptance without a declared speculation", expected: "a `speculation:` block naming the draft, its length and where the vendor said it is used" });
  }
  if (issues.length > 0) throw new InputError(issues);
  return {
    id: raw.software.id, file, kind: raw.kind, hardware: raw.hardware, software: raw.software, values, provenance: raw.provenance,
    ...(raw.speculation ? { speculation: raw.speculation } : {}),
  };
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

/** The typed record of a set's values (the loader checked every required one is there). */
export function paramValues(set: ParameterSet): Params {
  const out: Record<string, number | string> = { kind: set.kind };
  for (const [k, v] of Object.entries(set.values)) out[k] = v.value;
  return out as unknown as Params;
}

/** A parameter's value by name, for code that iterates over definitions (fitting, what-ifs). */
export function getParam(p: Params, name: ParamName): number | undefined {
  return (p as unknown as Record<string, number | undefined>)[name];
}

/** A copy with some parameters changed by name; names must belong to the record's kind. */
export function withParams(p: Params, changes: Readonly<Partial<Record<ParamName, number>>>): Params {
  for (const name of Object.keys(changes)) {
    if (!defOf(p.kind, name)) throw new Error(`${name} is not a ${p.kind} parameter`);
  }
  return { ...p, ...changes } as Params;
}
