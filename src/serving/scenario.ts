import { InputError } from "../errors.js";
import type { Given } from "../scenario/context.js";
import type { Prepared } from "../engine/predict.js";
import type { WeightFormat } from "../model/arch.js";
import { capacity } from "../capacity/search.js";
import { deploy } from "./engine.js";
import { parseLength } from "./lengths.js";
import { parseSlo, runSimulation, type SimulateOptions, type SimulationReport } from "./run.js";
import type { CapacityOption } from "../capacity/search.js";
import type { ServingSection } from "./scenario-keys.js";

/**
 * Scenario points with a `simulate:` or `capacity:` section (issue 14). Column names follow
 * the JSON of `wafersim simulate --json` and of one `wafersim capacity --json` option, prefixed
 * with the section; SI units (seconds, tokens, dollars per million output tokens, joules).
 */
const SUMMARY = ["mean", "p50", "p90", "p99"] as const;
const SIM: readonly (readonly [string, (r: SimulationReport) => number | null])[] = [
  ["hardware.chips", (r) => r.chips],
  ["simulate.requests", (r) => r.requests],
  ["simulate.durationSeconds", (r) => r.durationSeconds],
  ...(["ttftSeconds", "tpotSeconds", "e2eSeconds", "queueSeconds"] as const).flatMap((m) => SUMMARY.map((q) => [`simulate.${m}.${q}`, (r: SimulationReport) => r[m][q]] as const)),
  ["simulate.throughput.requestsPerSecond", (r) => r.throughput.requestsPerSecond],
  ["simulate.throughput.outputTokensPerSecond", (r) => r.throughput.outputTokensPerSecond],
  ["simulate.throughput.outputTokensPerSecondPerChip", (r) => r.throughput.outputTokensPerSecondPerChip],
  ["simulate.goodput.requestsPerSecond", (r) => r.goodput.requestsPerSecond],
  ["simulate.goodput.share", (r) => r.goodput.share],
  ["simulate.cost.dollarsPerMillionOutputTokens", (r) => r.cost.dollarsPerMillionOutputTokens],
  ["simulate.cost.joulesPerOutputToken", (r) => r.cost.joulesPerOutputToken],
  ["simulate.utilisation", (r) => r.utilisation],
  ["simulate.kvOccupancy", (r) => r.kvOccupancy],
  ["simulate.preemptions", (r) => r.preemptions],
  ["simulate.tasks.p50Seconds", (r) => (r.tasks && r.tasks.count > 0 ? r.tasks.seconds.p50 : null)],
  ["simulate.tasks.p99Seconds", (r) => (r.tasks && r.tasks.count > 0 ? r.tasks.seconds.p99 : null)],
];
const CAP: readonly (readonly [string, (o: CapacityOption) => number | null])[] = [
  ["capacity.chips", (o) => o.chips],
  ["capacity.replicas", (o) => o.replicas],
  ["capacity.chipsPerReplica", (o) => o.chipsPerReplica],
  ["capacity.meetsSlo", (o) => (o.meetsSlo ? 1 : 0)],
  ["capacity.ttftSeconds", (o) => o.ttftSeconds],
  ["capacity.tpotSeconds", (o) => o.tpotSeconds],
  ["capacity.cost", (o) => o.cost],
  ["capacity.energy", (o) => o.energy],
  ["capacity.dollarsPerHour", (o) => o.dollarsPerHour],
  ["capacity.floor.ttftSeconds", (o) => o.floor.ttftSeconds],
  ["capacity.floor.tpotSeconds", (o) => o.floor.tpotSeconds],
];

export const SIMULATE_METRICS: readonly string[] = SIM.map((m) => m[0]);
export const CAPACITY_METRICS: readonly string[] = CAP.map((m) => m[0]);

export function servingMetrics(section: ServingSection): readonly string[] {
  return section === "simulate" ? SIMULATE_METRICS : CAPACITY_METRICS;
}

/** The section's fields at one point: the section object, then its dotted keys (set or swept). */
function fieldsAt(section: ServingSection, given: ReadonlyMap<string, Given>): Record<string, unknown> {
  const base = given.get(section)?.value;
  const out: Record<string, unknown> = base && typeof base === "object" ? { ...(base as Record<string, unknown>) } : {};
  for (const [k, g] of given) if (k.startsWith(`${section}.`)) out[k.slice(section.length + 1)] = g.value;
  return out;
}

function optionsAt(section: ServingSection, given: ReadonlyMap<string, Given>): SimulateOptions {
  const f = fieldsAt(section, given);
  const str = (k: string) => (typeof given.get(k)?.value === "string" ? (given.get(k)!.value as string) : undefined);
  const chips = given.get("chips")?.value;
  const precision = str("precision");
  const o: Record<string, unknown> = {
    model: String(given.get("model")!.value), hardware: String(given.get("hardware")!.value),
    ...(typeof chips === "number" ? { chips } : {}),
    ...(precision !== undefined && precision !== "native" ? { precision: precision as WeightFormat } : {}),
    ...(str("software") !== undefined ? { software: str("software") } : {}),
  };
  for (const [k, v] of Object.entries(f)) {
    if (k === "promptTokens" || k === "outputTokens") o[k] = parseLength(`${section}.${k}`, String(v));
    else if (k === "slo") o[k] = parseSlo(String(v), `${section}.slo`);
    else if (k === "prefixCache") o["prefixHit"] = v;
    else o[k] = v;
  }
  return o as unknown as SimulateOptions;
}

function fill(out: Float64Array, values: readonly (number | null)[]): void {
  values.forEach((v, i) => { out[i] = v === null || !Number.isFinite(v) ? NaN : v; });
}

/**
 * Evaluates one point into `out` (servingMetrics order); returns its note ("" when fine). A
 * problem of this point (the model does not fit these chips, a request longer than the KV
 * pool) is its note, with empty metrics, as for predictions. `prepared` is the point's engine
 * deployment (what-if hardware and parameters applied), used by simulate; capacity searches
 * replica sizes itself from the ids.
 */
export function evaluateServing(section: ServingSection, given: ReadonlyMap<string, Given>, prepared: Prepared, out: Float64Array): string {
  try {
    const o = optionsAt(section, given);
    if (section === "simulate") {
      const r = runSimulation(o, { pr: prepared, d: deploy(prepared, {}) });
      fill(out, SIM.map(([, get]) => get(r)));
      return r.rejected > 0 ? `${r.rejected} requests longer than the KV pool were rejected` : "";
    }
    if (!o.slo) return (out.fill(NaN), "capacity needs capacity.slo");
    const { model, hardware, slo, chips: _c, ...traffic } = o;
    const r = capacity({ model, hardware: [hardware], traffic: { requests: 500, ...traffic }, slo, breakEven: false });
    const opt = r.options[0]!;
    fill(out, CAP.map(([, get]) => get(opt)));
    return opt.note;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    out.fill(NaN);
    const i = err.issues[0]!;
    return `${i.file}: ${i.problem}${i.got ? `, got ${i.got}` : ""}${i.expected ? `; expected ${i.expected}` : ""}`;
  }
}
