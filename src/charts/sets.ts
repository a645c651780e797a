import { InputError } from "../errors.js";
import { evaluate, prepare, prepareFrom, type Prediction } from "../engine/predict.js";
import type { Workload } from "../engine/types.js";
import type { BatchCurve } from "./batch.js";
import { batchTradeoffSpec } from "./batch.js";
import { perTokenBreakdownSpec, ttftBreakdownSpec } from "./breakdown.js";
import { hardwareBarsSpec } from "./hardware.js";
import type { ChartSpec } from "./spec.js";

/** A comparison of one model on several hardware choices, drawn as charts 1-3. */
export interface EngineChartSet {
  readonly id: string;
  readonly description: string;
  readonly model: string;
  readonly hardware: readonly string[];
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** batches for chart 1, walked in order until the deployment runs out of memory */
  readonly batches: readonly number[];
}

const POWERS_OF_TWO = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/**
 * Built-in chart sets, named on the command line. `codex-spark` is the workload of `npm start`'s
 * comparison table (prompt 8,192 tokens, the CLI's default 256 output tokens).
 */
export const CHART_SETS: Readonly<Record<string, EngineChartSet>> = {
  "codex-spark": {
    id: "codex-spark",
    description: "GPT-5.3-Codex-Spark (proxy architecture) on Cerebras WSE-3 against H100, H200 and B200",
    model: "codex-spark-proxy",
    hardware: ["cerebras-wse3", "nvidia-h100-sxm", "nvidia-h200", "nvidia-b200"],
    promptTokens: 8192,
    outputTokens: 256,
    batches: POWERS_OF_TWO,
  },
};

/** One deployment's predictions over growing batches, with chips fixed at the batch-1 placement. */
export function batchCurve(model: string, hardware: string, w: Omit<Workload, "batch">, batches: readonly number[]): BatchCurve {
  const pr = prepare({ model, hardware });
  const chips = evaluate(pr, { ...w, batch: 1 }).hardware.chips;
  const fixed = prepareFrom(pr.model, pr.hardware, { chips });
  const points: Prediction[] = [];
  for (const batch of batches) {
    try {
      points.push(evaluate(fixed, { ...w, batch }));
    } catch (err) {
      if (err instanceof InputError) break; // the KV cache of this many users no longer fits
      throw err;
    }
  }
  return { points };
}

/** Charts 1, 2, 3a and 3b for a chart set, from the engine. */
export function engineSpecs(set: EngineChartSet, version: string): ChartSpec[] {
  const w = { promptTokens: set.promptTokens, outputTokens: set.outputTokens };
  const ps = set.hardware.map((h) => evaluate(prepare({ model: set.model, hardware: h }), { ...w, batch: 1 }));
  const curves = set.hardware.map((h) => batchCurve(set.model, h, w, set.batches));
  return [batchTradeoffSpec(curves, version), hardwareBarsSpec(ps, version), ttftBreakdownSpec(ps, version), perTokenBreakdownSpec(ps, version)];
}
