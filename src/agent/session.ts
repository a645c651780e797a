import { InputError } from "../errors.js";
import { evaluate, prefillAfterCache, prepareFrom, type Prepared } from "../engine/predict.js";
import { loadHardware } from "../hardware/load.js";
import type { WeightFormat } from "../model/arch.js";
import { loadModel } from "../model/load.js";
import { ttftThrough } from "../stack/apply.js";
import { loadStack, requestParts, sessionOpenSeconds } from "../stack/load.js";
import type { Stack, TtftBreakdown } from "../stack/schema.js";
import { loadTask, outputTokensPerTurn, promptTokensAt, type TaskProfile } from "./profile.js";

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
export function servingBatch(pr: Prepared, t: TaskProfile, stack: Stack | undefined): { batch: number; how: string; source: string } {
  if (pr.hardware.kind === "wafer") {
    const b = t.serving.wafer.batch;
    return { batch: b.value, how: `the task profile's wafer batch (serving.wafer.batch)`, source: b.source };
  }
  const target = t.serving.gpu.perUserTokensPerSecond;
  const midPrompt = promptTokensAt(t, Math.ceil(t.turns.value / 2));
  const lastPrompt = promptTokensAt(t, t.turns.value);
  const out = outputTokensPerTurn(t);
  const speed = (batch: number): number => {
    try {
      // The batch must also fit the chips at the session's longest context, not only its middle.
      evaluate(pr, { batch, promptTokens: lastPrompt, outputTokens: out });
      const p = evaluate(pr, { batch, promptTokens: midPrompt, outputTokens: out });
      return 1 / (p.decode.timePerOutputTokenSeconds + perTokenOverhead(stack));
    } catch (err) {
      if (err instanceof InputError) return 0; // does not fit on these chips
      throw err;
    }
  };
  const how = (b: number) => `batch ${b}: the largest batch that fits the session's longest context and whose per-user decode at its middle context (${midPrompt} tokens) is at least ${target.value} tok/s (serving.gpu.perUserTokensPerSecond)`;
  if (speed(1) < target.value) return { batch: 1, how: `batch 1: even one user decodes below ${target.value} tok/s here`, source: target.source };
  let lo = 1;
  let hi = 2;
  const cap = 1 << 16;
  while (hi <= cap && speed(hi) >= target.value) { lo = hi; hi *= 2; }
  if (hi > cap) return { batch: lo, how: how(lo), source: target.source };
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (speed(mid) >= target.value) lo = mid; else hi = mid;
  }
  return { batch: lo, how: how(lo), source: target.source };
}

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
  const base = { ...(opts.precision ? { precision: opts.precision } : {}), ...(opts.software ? { software: opts.software } : {}) };
  const n = task.turns.value;
  const out = outputTokensPerTurn(task);
  const lastPrompt = promptTokensAt(task, n);

  // Chips: as asked, or the fewest that hold the model and one user's longest context.
  let chips = opts.chips;
  if (chips === undefined) {
    const auto = prepareFrom(model, hardware, base);
    chips = evaluate(auto, { batch: 1, promptTokens: lastPrompt, outputTokens: out }).hardware.chips;
  }
  const pr = prepareFrom(model, hardware, { ...base, chips });
  const serving = opts.batch !== undefined
    ? { batch: opts.batch, how: "--batch", source: "command line" }
    : servingBatch(pr, task, stack);
  const batch = serving.batch;

  const parts = stack ? requestParts(stack) : NO_STACK_PARTS;
  const perToken = perTokenOverhead(stack);
  const open = stack ? sessionOpenSeconds(stack) : 0;
  const hit = task.promptCacheHitRate.value;

  const turns: TurnResult[] = [];
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
    const tpot = evaluate(pr, { batch, promptTokens: prompt, outputTokens: out }).decode.timePerOutputTokenSeconds;
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
  };
}
