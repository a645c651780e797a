import { InputError } from "../errors.js";
import { evaluate, prefillAfterCache, prepareFrom, type Prepared } from "../engine/predict.js";
import { loadHardware } from "../hardware/load.js";
import type { WeightFormat } from "../model/arch.js";
import { loadModel } from "../model/load.js";
import { ttftThrough } from "../stack/apply.js";
import { loadStack, requestParts, sessionOpenSeconds } from "../stack/load.js";
import type { Stack, TtftBreakdown } from "../stack/schema.js";
import { loadTask, outputTokensPerTurn, promptTokensAt, type TaskProfile } from "./profile.js";
import type { Band, PredictOptions, Warning } from "../engine/types.js";

export interface SessionOptions {
  /** task profile id or file, or a loaded profile */
  readonly task: string | TaskProfile;
  readonly model: string;
  readonly hardware: string;
  readonly chips?: number;
  /** serving stack id or file; without one the session has no serving overheads */
  readonly stack?: string;
  /** concurrent users a turn's decode shares each step with; default: the task profile's serving assumption */
  readonly batch?: number;
  readonly precision?: WeightFormat;
  readonly software?: string;
  /** the deployment's layout, pinned as for a prediction (GPU: tensorParallel, pipelineStages, memoryFraction; wafer: expertPlacement) */
  readonly layout?: Pick<PredictOptions, "tensorParallel" | "pipelineStages" | "memoryFraction" | "expertPlacement">;
}

/** One agent turn: a model call (time to first token, then decode) followed by a tool run. Seconds. */
export interface TurnResult {
  readonly turn: number;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly uncachedTokens: number;
  readonly visibleOutputTokens: number;
  readonly reasoningOutputTokens: number;
  readonly startSeconds: number;
  readonly ttftSeconds: number;
  readonly ttft: TtftBreakdown;
  /** output tokens after the first, at the model's time per token */
  readonly decodeSeconds: number;
  /** the stack's per-token overhead on those tokens */
  readonly streamingSeconds: number;
  readonly toolSeconds: number;
  readonly endSeconds: number;
  /** per-user speed of this turn's decode, stack included */
  readonly tokensPerSecondPerUser: number;
}

export interface SessionSplit {
  readonly modelSeconds: number;
  readonly toolSeconds: number;
  readonly overheadSeconds: number;
  readonly model: { readonly prefillSeconds: number; readonly decodeSeconds: number };
  readonly overhead: {
    readonly sessionOpenSeconds: number;
    readonly networkSeconds: number;
    readonly sessionStartupSeconds: number;
    readonly requestHandlingSeconds: number;
    readonly queueingSeconds: number;
    readonly streamingSeconds: number;
  };
  /** shares of wallSeconds: model, tool, overhead (add up to 1) */
  readonly shares: { readonly model: number; readonly tool: number; readonly overhead: number };
}

export interface SessionResult {
  readonly task: { readonly id: string; readonly name: string; readonly file: string };
  readonly model: { readonly id: string; readonly name: string; readonly assumption?: string };
  readonly hardware: { readonly id: string; readonly kind: "wafer" | "gpu"; readonly chips: number };
  readonly stack: { readonly id: string; readonly name: string; readonly file: string } | null;
  readonly serving: { readonly batch: number; readonly how: string; readonly source: string };
  readonly wallSeconds: number;
  readonly turns: readonly TurnResult[];
  readonly split: SessionSplit;
  /** output tokens decoded after each turn's first, and the time they took (stack included): what a faster decode shortens */
  readonly decodePaced: { readonly tokens: number; readonly seconds: number };
  /** what the engine warned of on any turn, once each */
  readonly warnings: readonly Warning[];
  /** the wall time's band: the model's prefill and decode parts moved to their bands' ends (tools and stack are given figures) */
  readonly uncertainty: Readonly<Record<string, Band>>;
}

const NO_STACK_PARTS = { network: 0, sessionStartup: 0, requestHandling: 0, queueing: 0 };

function perTokenOverhead(s: Stack | undefined): number {
  return s ? s.perTokenOverhead.value : 0;
}

/**
 * The batch for a session. A wafer uses the profile's wafer batch. A GPU uses the largest
 * batch at which a turn at the session's middle context still decodes at the profile's
 * production per-user speed (OpenAI's ~65 tok/s), stack overhead included: production GPU
 * serving batches users, and that figure is what one user sees.
 */
export function servingBatch(pr: Prepared, t: TaskProfile, stack: Stack | undefined): { batch: number; how: string; source: string; limitedBy: "speed" | "memory" } {
  if (pr.hardware.kind === "wafer") {
    const b = t.serving.wafer.batch;
    return { batch: b.value, how: `the task profile's wafer batch (serving.wafer.batch)`, source: b.source, limitedBy: "speed" };
  }
  const target = t.serving.gpu.perUserTokensPerSecond;
  const midPrompt = promptTokensAt(t, Math.ceil(t.turns.value / 2));
  const lastPrompt = promptTokensAt(t, t.turns.value);
  const out = outputTokensPerTurn(t);
  // per-user speed at a batch, or -1 when the batch does not fit the chips at the longest context
  const speed = (batch: number): number => {
    try {
      // The batch must also fit the chips at the session's longest context, not only its middle.
      evaluate(pr, { batch, promptTokens: lastPrompt, outputTokens: out });
      const p = evaluate(pr, { batch, promptTokens: midPrompt, outputTokens: out });
      return 1 / (p.decode.timePerOutputTokenSeconds + perTokenOverhead(stack));
    } catch (err) {
      if (err instanceof InputError) return -1;
      throw err;
    }
  };
  const how = (b: number, limit: "speed" | "memory") => limit === "speed"
    ? `batch ${b}: the largest batch whose per-user decode at the session's middle context (${midPrompt} tokens) is at least ${target.value} tok/s (serving.gpu.perUserTokensPerSecond), and that fits at its longest context`
    : `batch ${b}: the most users these chips hold at the session's longest context (${lastPrompt} tokens); each still decodes at ${target.value} tok/s or more`;
  if (speed(1) < target.value) return { batch: 1, how: `batch 1: even one user decodes below ${target.value} tok/s here`, source: target.source, limitedBy: "speed" };
  const ok = (b: number) => speed(b) >= target.value;
  let lo = 1;
  let hi = 2;
  const cap = 1 << 16;
  while (hi <= cap && ok(hi)) { lo = hi; hi *= 2; }
  if (hi <= cap) {
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (ok(mid)) lo = mid; else hi = mid;
    }
  }
  const limit = speed(lo + 1) < 0 ? "memory" : "speed";
  return { batch: lo, how: how(lo, limit), source: target.source, limitedBy: limit };
}

/** The most GPUs a session's serving deployment is given when looking for its batch. */
const MAX_SESSION_GPUS = 256;

/**
 * Simulates one agent session turn by turn. Each turn: the stack's request parts, a prefill of
 * the prompt tokens the prefix cache does not hold (alone: continuous batching admits one
 * request's prefill between decode steps), one decode step for the first token, the remaining
 * output tokens at the full context with `batch` users sharing each step (each plus the stack's
 * per-token overhead), then the tool run. A stack's once-per-session cost comes first.
 */
export function simulateSession(opts: SessionOptions): SessionResult {
  const task = typeof opts.task === "string" ? loadTask(opts.task) : opts.task;
  const model = loadModel(opts.model);
  const hardware = loadHardware(opts.hardware);
  const stack = opts.stack !== undefined ? loadStack(opts.stack) : undefined;
  const base = { ...(opts.precision ? { precision: opts.precision } : {}), ...(opts.software ? { software: opts.software } : {}), ...(opts.layout ?? {}) };
  const n = task.turns.value;
  const out = outputTokensPerTurn(task);
  const lastPrompt = promptTokensAt(task, n);

  // Chips: as asked, or the fewest that hold the model and one user's longest context. A GPU
  // deployment serves a production batch: when memory, not the per-user speed, limits that batch,
  // a production deployment would have more GPUs, so they double until speed is the limit.
  let chips = opts.chips;
  if (chips === undefined) {
    const auto = prepareFrom(model, hardware, base);
    chips = evaluate(auto, { batch: 1, promptTokens: lastPrompt, outputTokens: out }).hardware.chips;
  }
  let pr = prepareFrom(model, hardware, { ...base, chips });
  let serving: { batch: number; how: string; source: string };
  if (opts.batch !== undefined) serving = { batch: opts.batch, how: "--batch", source: "command line" };
  else {
    let s = servingBatch(pr, task, stack);
    while (opts.chips === undefined && hardware.kind === "gpu" && s.limitedBy === "memory" && chips * 2 <= MAX_SESSION_GPUS) {
      chips *= 2;
      pr = prepareFrom(model, hardware, { ...base, chips });
      s = servingBatch(pr, task, stack);
    }
    serving = { batch: s.batch, how: opts.chips === undefined && hardware.kind === "gpu" ? `${s.how}; ${chips} GPUs, doubled from the fewest that hold one user while memory rather than speed limited the batch` : s.how, source: s.source };
  }
  const batch = serving.batch;

  const parts = stack ? requestParts(stack) : NO_STACK_PARTS;
  const perToken = perTokenOverhead(stack);
  const open = stack ? sessionOpenSeconds(stack) : 0;
  const hit = task.promptCacheHitRate.value;

  const turns: TurnResult[] = [];
  const warnings: Warning[] = [];
  const assumed = new Set<string>();
  let decodeLow = 0;
  let decodeHigh = 0;
  let prefillLow = 0;
  let prefillHigh = 0;
  let clock = open;
  let prefillSum = 0;
  let decodeSum = 0;
  let streamingSum = 0;
  let pacedTokens = 0;
  for (let k = 1; k <= n; k++) {
    const prompt = promptTokensAt(task, k);
    const cached = k === 1 ? 0 : Math.round(hit * prompt);
    const uncached = prompt - cached;
    // The uncached suffix attends to the cached prefix (and reads its KV) but the prefix is not recomputed.
    const prefill = uncached > 0 ? prefillAfterCache(pr, 1, uncached, cached) : 0;
    const pred = evaluate(pr, { batch, promptTokens: prompt, outputTokens: out });
    const tpot = pred.decode.timePerOutputTokenSeconds;
    for (const w of pred.warnings) if (!warnings.some((x) => x.code === w.code && x.message === w.message)) warnings.push(w);
    // the bands of the turn's decode and prefill, relative to their values, summed over turns below
    const tb = pred.uncertainty["decode.timePerOutputTokenSeconds"];
    const pb = pred.uncertainty["prefill.seconds"];
    if (tb) { decodeLow += (tpot + (out - 1) * tpot) * (tb.low / tpot); decodeHigh += (tpot + (out - 1) * tpot) * (tb.high / tpot); }
    if (pb) { prefillLow += prefill * (pb.low / pred.prefill.seconds); prefillHigh += prefill * (pb.high / pred.prefill.seconds); }
    for (const b of [tb, pb]) for (const a of b?.assumed ?? []) assumed.add(a);
    const { ttft, seconds: ttftSeconds } = ttftThrough(parts, prefill, tpot);
    const decodeSeconds = (out - 1) * tpot;
    const streamingSeconds = (out - 1) * perToken;
    const toolSeconds = task.toolTimePerTurn.value;
    const start = clock;
    clock += ttftSeconds + decodeSeconds + streamingSeconds + toolSeconds;
    prefillSum += prefill;
    decodeSum += tpot + decodeSeconds;
    streamingSum += streamingSeconds;
    pacedTokens += out - 1;
    turns.push({
      turn: k, promptTokens: prompt, cachedTokens: cached, uncachedTokens: uncached,
      visibleOutputTokens: task.visibleOutputTokensPerTurn.value, reasoningOutputTokens: task.reasoningOutputTokensPerTurn.value,
      startSeconds: start, ttftSeconds, ttft, decodeSeconds, streamingSeconds, toolSeconds, endSeconds: clock,
      tokensPerSecondPerUser: 1 / (tpot + perToken),
    });
  }

  const wall = clock;
  const toolSum = n * task.toolTimePerTurn.value;
  const overhead = {
    sessionOpenSeconds: open,
    networkSeconds: n * parts.network,
    sessionStartupSeconds: n * parts.sessionStartup,
    requestHandlingSeconds: n * parts.requestHandling,
    queueingSeconds: n * parts.queueing,
    streamingSeconds: streamingSum,
  };
  const overheadSum = open + overhead.networkSeconds + overhead.sessionStartupSeconds + overhead.requestHandlingSeconds + overhead.queueingSeconds + streamingSum;
  const modelSum = prefillSum + decodeSum;
  const pacedSeconds = turns.reduce((s, t) => s + t.decodeSeconds + t.streamingSeconds, 0);
  return {
    task: { id: task.id, name: task.name, file: task.file },
    model: { id: model.id, name: model.name, ...(model.assumption ? { assumption: model.assumption.what } : {}) },
    hardware: { id: hardware.id, kind: hardware.kind, chips },
    stack: stack ? { id: stack.id, name: stack.name, file: stack.file } : null,
    serving,
    wallSeconds: wall,
    turns,
    split: {
      modelSeconds: modelSum,
      toolSeconds: toolSum,
      overheadSeconds: overheadSum,
      model: { prefillSeconds: prefillSum, decodeSeconds: decodeSum },
      overhead,
      shares: { model: modelSum / wall, tool: toolSum / wall, overhead: overheadSum / wall },
    },
    decodePaced: { tokens: pacedTokens, seconds: pacedSeconds },
    warnings,
    uncertainty: decodeHigh > 0 ? {
      wallSeconds: {
        low: wall - (prefillSum - prefillLow) - (decodeSum - decodeLow), high: wall + (prefillHigh - prefillSum) + (decodeHigh - decodeSum),
        basis: "each turn's prefill and decode moved to the ends of their prediction bands (taken as fully correlated); tools and serving-stack parts are the profile's and stack's given figures",
        assumed: [...assumed],
      },
    } : {},
  };
}
