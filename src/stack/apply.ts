import type { Prediction } from "../engine/predict.js";
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
  return {
    ...p,
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
