import { InputError } from "../errors.js";
import { evaluate, prepare, prepareFrom, type Prediction } from "../engine/predict.js";
import type { Workload } from "../engine/types.js";
import type { BatchCurve } from "./batch.js";
import { batchTradeoffSpec } from "./batch.js";
import { perTokenBreakdownSpec, ttftBreakdownSpec } from "./breakdown.js";
import { hardwareBarsSpec } from "./hardware.js";
import type { ChartSpec } from "./spec.js";
import { simulateSession } from "../agent/session.js";
import { calibrate } from "../calibration/calibrate.js";
import { loadParameterSet } from "../engine/parameters.js";
import { calibrationSpecs, type CalibrationResult } from "./calibration.js";
import { calibrationText } from "./format.js";
import { sessionTimelineOf } from "./input.js";
import { sessionSpecs } from "./session.js";

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

/** A titled group of charts: one section of the HTML report. */
export interface ChartPart {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly specs: readonly ChartSpec[];
}

/** Built-in sets computed live from the calibration and agent modules (named on the command line). */
export const LIVE_SETS: Readonly<Record<string, string>> = {
  calibration: "Calibration: every published reference against its prediction with the stored (fitted) parameters, one chart per metric",
  sessions: "A SWE-Bench Pro agent session: GPT-5.3-Codex-Spark (proxy) on Cerebras WSE-3 over WebSocket against GPT-5.3-Codex (proxy) on H200 over the legacy HTTP stack",
};

/** "…/models/tasks/swe-bench-pro.yaml" -> "models/tasks/swe-bench-pro.yaml" */
function repoPath(file: string): string {
  const i = file.lastIndexOf("models/");
  return i >= 0 ? file.slice(i) : file;
}

/** Chart 4 from `calibrate({ refit: false })`: the stored parameters, which every prediction uses. */
export function calibrationSetSpecs(version: string): ChartSpec[] {
  const report = calibrate({ refit: false });
  const uses = report.sets.flatMap((s) => {
    const set = loadParameterSet(s.file);
    return s.hardware.map((h) => ({ software: set.software.id, hardware: h, provenance: set.provenance }));
  });
  const cal: CalibrationResult = {
    references: report.references.map((r) => ({
      id: r.id, published: r.published, predicted: r.predicted, errorPct: r.errorPct, looErrorPct: r.looErrorPct,
      tolerancePct: r.tolerancePct, metric: r.metric, fitted: r.fitted, ...(r.knownMiss !== undefined ? { knownMiss: r.knownMiss } : {}),
    })),
    mapePct: report.mapePct,
    looMapePct: report.looMapePct,
  };
  return calibrationSpecs(cal, { origin: `wafersim ${version} calibrate with the stored parameters (models/params); calibration: ${calibrationText(uses)}` });
}

/** The sessions of the `sessions` set: Spark on the wafer over WebSocket against Codex on H200s over HTTP. */
export const SESSION_RUNS = [
  { model: "codex-spark-proxy", hardware: "cerebras-wse3", stack: "websocket" },
  { model: "gpt-5.3-codex-proxy", hardware: "nvidia-h200", stack: "http-legacy" },
] as const;

/** Chart 5 from src/agent's `simulateSession` (as `wafersim session --task swe-bench-pro` runs it). */
export function sessionsSetSpecs(version: string, task = "swe-bench-pro"): ChartSpec[] {
  const results = SESSION_RUNS.map((r) => simulateSession({ task, model: r.model, hardware: r.hardware, stack: r.stack }));
  const uses = SESSION_RUNS.map((r) => {
    const set = prepare({ model: r.model, hardware: r.hardware }).parameterSet;
    return { software: set.software.id, hardware: r.hardware, provenance: set.provenance };
  });
  const first = results[0]!;
  const origin = [
    `wafersim ${version} agent sessions (simulateSession) of the task profile ${repoPath(first.task.file)}`,
    `serving stacks ${results.map((r) => (r.stack ? repoPath(r.stack.file) : "none")).join(" and ")}`,
    `models ${results.map((r) => `${r.model.id}${r.model.assumption ? " (assumed architecture)" : ""}`).join(", ")}`,
    `GPU batch: ${results.filter((r) => r.hardware.kind === "gpu").map((r) => `${r.serving.batch} on ${r.hardware.id}`).join(", ") || "none"} (the task profile's serving assumption)`,
    `calibration: ${calibrationText(uses)}`,
  ].join("; ");
  return sessionSpecs(results.map((r) => sessionTimelineOf(r)), origin);
}
