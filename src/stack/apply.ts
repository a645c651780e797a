import type { Prediction } from "../engine/predict.js";
import type { Band } from "../engine/types.js";
import { loadStack, requestParts, roundtripOverheadSeconds, sessionOpenSeconds } from "./load.js";
import type { Stack, TtftBreakdown } from "./schema.js";

/** What a serving stack adds to a prediction, reported next to it. */
export interface StackSummary {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  /** network + session start-up + request handling, per request (seconds) */
  readonly roundtripOverheadSeconds: number;
  /** all stack parts of time to first token, per request (seconds) */
  readonly ttftOverheadSeconds: number;
  readonly perTokenOverheadSeconds: number;
  /** paid once per session, not per request (seconds; not in ttftSeconds) */
  readonly sessionOpenSeconds: number;
}

/** A prediction seen through a serving stack: `breakdown.ttft` holds the parts of ttftSeconds. */
export type StackedPrediction = Prediction & {
  readonly stack: StackSummary;
  readonly breakdown: Prediction["breakdown"] & { readonly ttft: TtftBreakdown };
};

const cache = new Map<string, Stack>();

function stackFor(ref: string): Stack {
  let s = cache.get(ref);
  if (!s) { s = loadStack(ref); cache.set(ref, s); }
  return s;
}

/** The parts of time to first token and their sum: the stack's request parts, prefill, first step. */
export function ttftThrough(parts: Omit<TtftBreakdown, "prefill" | "firstDecodeStep">, prefill: number, firstDecodeStep: number): { ttft: TtftBreakdown; seconds: number } {
  const ttft: TtftBreakdown = { ...parts, prefill, firstDecodeStep };
  return { ttft, seconds: ttft.network + ttft.sessionStartup + ttft.requestHandling + ttft.queueing + ttft.prefill + ttft.firstDecodeStep };
}

/**
 * Time to first token through a stack: the stack's request parts, the prefill, and the first
 * decode step, which samples the first token and streams it. Later tokens each take the
 * model's time per token plus the stack's per-token overhead.
 */
export function withStack(p: Prediction, s: Stack): StackedPrediction {
  const parts = requestParts(s);
  const model = p.decode.timePerOutputTokenSeconds;
  const perToken = model + s.perTokenOverhead.value;
  const { ttft, seconds: ttftSeconds } = ttftThrough(parts, p.prefill.seconds, model);
  const o = s.perTokenOverhead.value;
  const u = p.uncertainty;
  const shift = (b: Band | undefined, f: (x: number) => number, swap = false): Band | undefined =>
    b === undefined ? undefined : { ...b, low: swap ? f(b.high) : f(b.low), high: swap ? f(b.low) : f(b.high), basis: `${b.basis}; the stack's parts added as given` };
  // The stack's parts are sourced figures, not fitted: the band moves with them, its width is the model's.
  const tpotBand = shift(u["decode.timePerOutputTokenSeconds"], (t) => t + o);
  const uncertainty: Record<string, Band> = Object.fromEntries(Object.entries({
    ...u,
    "decode.timePerOutputTokenSeconds": tpotBand,
    "decode.tokensPerSecondPerUser": shift(u["decode.timePerOutputTokenSeconds"], (t) => 1 / (t + o), true),
    "decode.aggregateTokensPerSecond": shift(u["decode.timePerOutputTokenSeconds"], (t) => p.workload.batch / (t + o), true),
    ttftSeconds: u["prefill.seconds"] && tpotBand ? { ...u["prefill.seconds"], low: ttftSeconds - p.prefill.seconds - model + u["prefill.seconds"].low + tpotBand.low - o, high: ttftSeconds - p.prefill.seconds - model + u["prefill.seconds"].high + tpotBand.high - o } : undefined,
    requestSeconds: u["requestSeconds"] ? shift(u["requestSeconds"], (r) => r + (ttftSeconds - p.ttftSeconds) + (p.workload.outputTokens - 1) * o) : undefined,
  }).filter(([, b]) => b !== undefined)) as Record<string, Band>;
  return {
    ...p,
    uncertainty,
    decode: {
      ...p.decode,
      timePerOutputTokenSeconds: perToken,
      tokensPerSecondPerUser: 1 / perToken,
      aggregateTokensPerSecond: p.workload.batch / perToken,
    },
    ttftSeconds,
    requestSeconds: ttftSeconds + (p.workload.outputTokens - 1) * perToken,
    breakdown: { ...p.breakdown, ttft },
    stack: {
      id: s.id, name: s.name, file: s.file,
      roundtripOverheadSeconds: roundtripOverheadSeconds(s),
      ttftOverheadSeconds: parts.network + parts.sessionStartup + parts.requestHandling + parts.queueing,
      perTokenOverheadSeconds: s.perTokenOverhead.value,
      sessionOpenSeconds: sessionOpenSeconds(s),
    },
  };
}

/** Adds a serving stack (id or file) to a prediction: the entry point scenario runners call. */
export function applyStack(prediction: Prediction, stackRef: string): StackedPrediction {
  return withStack(prediction, stackFor(stackRef));
}
