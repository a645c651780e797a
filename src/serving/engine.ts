/**
 * ADAPTER, TO DELETE when the lead's src/engine/deployment.ts lands on main (same interface,
 * exported from src/index.ts): then import `deploy`, `passSeconds`, `Deployment` and `Segment`
 * from there and remove this file. Every engine call of src/serving and src/capacity goes
 * through the three exports below, so the swap is one import per file.
 *
 * It implements the interface on today's engine (prepareFrom / machineFor / place /
 * forward / kvBytesPerSequence / kvReplication). Known approximation, which the real one
 * makes exact: a pass that mixes segments of different shapes calls `forward` once per
 * shape and adds them up, then removes what the sum counts more than once in one pass — the
 * step overhead, and on GPUs the weight reads and all-reduce start-ups (the time of a pass of
 * one token at no context, without its overhead). That removal is exact while every shape is
 * memory-bound; when one is compute-bound (a long prefill chunk) a real mixed pass costs
 * max(sum of bytes, sum of FLOPs) per layer, and the result is never taken below the slowest
 * single shape. On a wafer the shapes are pipelined through the same layers, so their times
 * add (less one step overhead each).
 */
import { InputError, inputError } from "../errors.js";
import { machineFor, type Prepared } from "../engine/predict.js";
import { place } from "../engine/placement.js";
import { forward, newAcc, type Acc, type Pass } from "../engine/phases/forward.js";
import { kvBytesPerSequence, kvReplication } from "../engine/profile.js";
import type { Machine } from "../engine/machine.js";
import { formatSi } from "../units/format.js";

export interface Segment {
  /** sequences in this segment of the pass */
  readonly users: number;
  /** tokens per sequence pushed through this pass (decode 1; a prefill chunk its length) */
  readonly newTokens: number;
  /** tokens per sequence already in the KV cache before this pass */
  readonly cachedTokens: number;
  /** tokens per sequence that need output logits (decode 1; a prefill chunk 1 if it ends the prompt, else 0) */
  readonly logitTokens: number;
}

export interface Deployment {
  readonly hardwareKind: "gpu" | "wafer";
  /** chips of ONE replica */
  readonly chips: number;
  readonly tensorParallel: number;
  readonly pipelineStages: number;
  /** wafer: sequences in flight at once in the layer pipeline; GPU: 1 */
  readonly pipelineSlots: number;
  /** KV bytes one token of one sequence occupies in the replica (copies included) */
  readonly kvBytesPerToken: number;
  /** memory the KV cache may use after weights, runtime reserve and the engine's memory fraction */
  readonly kvPoolBytes: number;
  /** e.g. "TP4 x PP1", "2 wafers" */
  readonly layout: string;
}

interface Internals {
  readonly pr: Prepared;
  readonly machine: Machine;
  /** one token at no context, without step overhead: what a mixed GPU pass reads only once */
  readonly shared: number;
  readonly overhead: number;
  readonly single: Map<number, number>;
}

const INTERNALS = new WeakMap<Deployment, Internals>();

/**
 * One replica of the model on `chips` chips (default: the fewest that hold the weights).
 * GPU memory as the engine counts it: of each GPU's HBM the engine's usable fraction
 * (`usableMemoryFraction`: CUDA context, activations and allocator reserve the rest; or
 * `memoryFraction` when given, as vLLM's gpu_memory_utilization), less the weights, is the KV
 * pool. A wafer's pool is its SRAM less the weights. Throws InputError when nothing is left.
 */
export function deploy(pr: Prepared, opts: { chips?: number; memoryFraction?: number }): Deployment {
  const chipsAsked = opts.chips ?? pr.chipsAsked;
  const pl = place(pr.profile, pr.hardware, pr.params, 1, 1, 1, chipsAsked);
  const hw = pr.hardware;
  const fraction = opts.memoryFraction ?? (hw.kind === "gpu" ? pr.params["usableMemoryFraction"]! : 1);
  const usable = pl.chips * hw.memory.capacity.value * fraction;
  const kvPoolBytes = usable - pl.memory.weightBytes;
  // Every layer's KV per token, sliding-window layers included (a pool of uniform blocks, as
  // vLLM's before its hybrid allocator): an over-count for models with windowed layers.
  const kvBytesPerToken = kvBytesPerSequence(pr.profile, 1) * (hw.kind === "gpu" ? kvReplication(pr.profile, pl.tensorParallel) : 1);
  if (!(kvPoolBytes > kvBytesPerToken)) {
    throw inputError({
      file: "--chips", path: "", problem: `${pl.chips} x ${hw.id} leave no memory for the KV cache`, got: String(pl.chips),
      expected: `more chips: weights take ${formatSi(pl.memory.weightBytes, "B")} of ${formatSi(usable, "B")} usable`,
    });
  }
  const machine = machineFor(pr, pr.profile, pl.chips, pl.tensorParallel, pl.pipelineStages);
  const d: Deployment = {
    hardwareKind: hw.kind, chips: pl.chips, tensorParallel: pl.tensorParallel, pipelineStages: pl.pipelineStages,
    pipelineSlots: machine.kind === "wafer" ? machine.pipelineSlots : 1,
    kvBytesPerToken, kvPoolBytes,
    layout: hw.kind === "gpu" ? `TP${pl.tensorParallel} x PP${pl.pipelineStages}` : `${pl.chips} wafer${pl.chips === 1 ? "" : "s"}`,
  };
  const acc = newAcc();
  const one = forward(pr.profile, machine, { users: 1, tokensPerUser: 1, priorContext: 0, headTokensPerUser: 1, phase: "decode" }, acc);
  INTERNALS.set(d, { pr, machine, shared: one - acc.overhead, overhead: acc.overhead, single: new Map() });
  return d;
}

const pass: { -readonly [K in keyof Pass]: Pass[K] } = { users: 1, tokensPerUser: 1, priorContext: 0, headTokensPerUser: 1, phase: "decode" };
const scratch: Acc = newAcc();

function shapeSeconds(i: Internals, s: Segment): number {
  pass.users = s.users;
  pass.tokensPerUser = s.newTokens;
  pass.priorContext = s.cachedTokens;
  pass.headTokensPerUser = s.logitTokens;
  pass.phase = s.newTokens > 1 ? "prefill" : "decode";
  return forward(i.pr.profile, i.machine, pass, scratch);
}

/** One forward pass (iteration) of exactly this mix, per-step overhead included. Seconds. */
export function passSeconds(d: Deployment, segments: readonly Segment[]): number {
  const i = INTERNALS.get(d);
  if (!i) throw new InputError([{ file: "deployment", path: "", problem: "not made by deploy()" }]);
  if (segments.length === 1) {
    const s = segments[0]!;
    // Decode passes repeat (same users, same whole-token context): cache them.
    if (s.newTokens === 1 && s.logitTokens === 1 && Number.isInteger(s.cachedTokens) && s.users < 1 << 20 && s.cachedTokens < 1 << 30) {
      const key = s.users * 2 ** 30 + s.cachedTokens;
      let t = i.single.get(key);
      if (t === undefined) {
        t = shapeSeconds(i, s);
        if (i.single.size > 1 << 20) i.single.clear();
        i.single.set(key, t);
      }
      return t;
    }
    return shapeSeconds(i, s);
  }
  let sum = 0;
  let slowest = 0;
  for (const s of segments) {
    const t = shapeSeconds(i, s);
    sum += t;
    if (t > slowest) slowest = t;
  }
  const extra = segments.length - 1;
  const once = d.hardwareKind === "gpu" ? i.shared + i.overhead : i.overhead;
  return Math.max(slowest, sum - extra * once);
}
