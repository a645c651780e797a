import type { Metric } from "./fast.js";
import { OVERHEAD_LABELS, OVERHEAD_PARTS, type SessionMetric } from "./session.js";

/**
 * What every sweep and session metric is, in one place: `wafersim list metrics`, sweep
 * columns, chart axes and table headers read it. Values in sweeps are SI: `unit` names the
 * unit of the number as written (tok/s, s, B), `kind` how people read it.
 */
export type MetricKind = "rate" | "time" | "bytes" | "params" | "share" | "count" | "bound" | "flag";

export interface MetricInfo {
  /** a short name for axis titles and table headers, e.g. "decode speed per user" */
  readonly title: string;
  /** the unit of the value as stored (SI): "tok/s", "s", "B", "parameters", "fraction of wall time", ... */
  readonly unit: string;
  readonly kind: MetricKind;
  /** one sentence for people: what it is and what it includes */
  readonly meaning: string;
}

const PREDICTION: Readonly<Record<Metric, MetricInfo>> = {
  "hardware.chips": { title: "chips used", unit: "chips", kind: "count", meaning: "chips (GPUs or CS systems) the point runs on: as asked, or the fewest that hold weights and KV cache" },
  "decode.tokensPerSecondPerUser": { title: "decode speed per user", unit: "tok/s", kind: "rate", meaning: "output tokens per second one user sees while decoding (1 / time per output token); with a serving stack, its per-token overhead is included" },
  "decode.timePerOutputTokenSeconds": { title: "time per output token", unit: "s", kind: "time", meaning: "time between two output tokens of one user; with a serving stack, its per-token overhead is included" },
  "decode.aggregateTokensPerSecond": { title: "aggregate decode throughput", unit: "tok/s", kind: "rate", meaning: "output tokens per second over all users of the batch (batch / time per output token)" },
  "decode.rooflineTokensPerSecondPerUser": { title: "physical roofline per user", unit: "tok/s", kind: "rate", meaning: "the physical ceiling for one user: the tensor-parallel chips' memory bandwidth over the bytes a token reads, or their peak compute over its FLOPs" },
  "decode.bound": { title: "decode bound", unit: "", kind: "bound", meaning: "what the decode step's time is mostly spent on: compute, memory, latency (mesh hops, sync, step overhead, draft) or interconnect" },
  "prefill.seconds": { title: "prefill time", unit: "s", kind: "time", meaning: "time to process the prompt on the model (no serving stack)" },
  ttftSeconds: { title: "time to first token", unit: "s", kind: "time", meaning: "time from the request to the first output token: the prefill, plus the serving stack's network, start-up, handling and queueing when a stack is given" },
  requestSeconds: { title: "time for the whole request", unit: "s", kind: "time", meaning: "time to first token plus the remaining output tokens at the time per output token" },
  "memory.neededBytes": { title: "memory needed", unit: "B", kind: "bytes", meaning: "weights, KV cache and activations the point needs, over all its chips" },
  "memory.fits": { title: "fits in memory", unit: "true/false", kind: "flag", meaning: "whether the memory needed fits the chips' usable memory" },
  "model.totalParams": { title: "model size", unit: "parameters", kind: "params", meaning: "the model's total parameters (all experts of a mixture-of-experts model)" },
};

const SESSION: Readonly<Record<Exclude<SessionMetric, Metric>, MetricInfo>> = {
  "session.batch": { title: "users per decode step", unit: "users", kind: "count", meaning: "users sharing each decode step: the scenario's batch, or the task profile's serving assumption" },
  "session.turns": { title: "turns", unit: "turns", kind: "count", meaning: "model calls in the session (each followed by a tool run)" },
  "session.decodedTokens": { title: "tokens decoded in the session", unit: "tokens", kind: "count", meaning: "output tokens decoded over the session, visible and reasoning, every turn" },
  "session.decodeTokensPerSecond": { title: "mean decode speed per user (model)", unit: "tok/s", kind: "rate", meaning: "decoded tokens over the model's decode time: the model's mean per-user speed, without the serving stack's per-token overhead" },
  "session.wallSeconds": { title: "session wall time", unit: "s", kind: "time", meaning: "the whole task from the first request to the end of the last tool run: model, tools and serving overhead" },
  "session.modelSeconds": { title: "model time in the session", unit: "s", kind: "time", meaning: "prefill and decode over every turn (no serving overhead)" },
  "session.model.prefillSeconds": { title: "prefill time in the session", unit: "s", kind: "time", meaning: "prefill of each turn's uncached prompt tokens, and each first decode step" },
  "session.model.decodeSeconds": { title: "decode time in the session", unit: "s", kind: "time", meaning: "decode of the output tokens after each turn's first, at the model's time per token" },
  "session.toolSeconds": { title: "tool time in the session", unit: "s", kind: "time", meaning: "time the agent's tools run after each turn" },
  "session.overheadSeconds": { title: "serving overhead in the session", unit: "s", kind: "time", meaning: "everything the serving stack adds: session opening, network, start-up, handling, queueing and per-token streaming" },
  "session.shares.model": { title: "model share of wall time", unit: "fraction", kind: "share", meaning: "model time / wall time" },
  "session.shares.tool": { title: "tool share of wall time", unit: "fraction", kind: "share", meaning: "tool time / wall time" },
  "session.shares.overhead": { title: "overhead share of wall time", unit: "fraction", kind: "share", meaning: "serving overhead / wall time" },
  ...(Object.fromEntries(OVERHEAD_PARTS.flatMap((part) => [
    [`session.overhead.${part}Seconds`, { title: `${OVERHEAD_LABELS[part].full} in the session`, unit: "s", kind: "time", meaning: `the serving stack's ${OVERHEAD_LABELS[part].full} over the whole session` }],
    [`session.shares.${part}`, { title: `${OVERHEAD_LABELS[part].full} share of wall time`, unit: "fraction", kind: "share", meaning: `${OVERHEAD_LABELS[part].full} / wall time` }],
  ])) as Record<`session.overhead.${(typeof OVERHEAD_PARTS)[number]}Seconds` | `session.shares.${(typeof OVERHEAD_PARTS)[number]}`, MetricInfo>),
};

/** Every metric of a prediction sweep (METRICS) and of an agent-session sweep (SESSION_METRICS). */
export const METRIC_INFO: Readonly<Record<Metric | SessionMetric, MetricInfo>> = { ...PREDICTION, ...SESSION };

/** The description of a metric, or undefined for a name that is not one. */
export function metricInfo(name: string): MetricInfo | undefined {
  return Object.hasOwn(METRIC_INFO, name) ? METRIC_INFO[name as Metric | SessionMetric] : undefined;
}
