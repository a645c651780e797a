/**
 * Chart specs (pure) for wafersim's results. Rendering lives in render.ts (PNG/SVG, imports
 * canvas) and html.ts (self-contained report); import those lazily.
 */
import { basename } from "node:path";
import { calibrationSpecs } from "./calibration.js";
import { perTokenBreakdownSpec, ttftBreakdownSpec } from "./breakdown.js";
import { hardwareBarsSpec } from "./hardware.js";
import type { ChartInputs, ResultProvenance } from "./input.js";
import { sessionSpecs } from "./session.js";
import type { ChartSpec } from "./spec.js";
import { defaultMetrics, sweepSpecs, type ChartTarget } from "./sweep.js";

export type { ChartSpec, Axis, Series, Point, Table } from "./spec.js";
export { PALETTE, CHART_WIDTH, CHART_HEIGHT } from "./spec.js";
export { toChartJs, type ChartJsConfig } from "./chartjs.js";
export { batchTradeoffSpec, type BatchCurve } from "./batch.js";
export { hardwareBarsSpec } from "./hardware.js";
export { ttftBreakdownSpec, perTokenBreakdownSpec, type StackTimes } from "./breakdown.js";
export { calibrationSpecs, calibrationMetricSpec, type CalibrationResult, type CalibrationRow } from "./calibration.js";
export { sessionTimelineSpec, sessionTurnsSpec, sessionSpecs, type SessionTimeline, type Segment } from "./session.js";
export { sweepSpec, sweepSpecs, defaultMetrics, chartableMetrics, type SweepData, type SweepRow, type ChartTarget } from "./sweep.js";
export { readChartInputs, sessionTimelineOf, type ChartInputs, type ResultProvenance } from "./input.js";
export { CHART_SETS, LIVE_SETS, engineSpecs, batchCurve, calibrationSetSpecs, sessionsSetSpecs, type EngineChartSet, type ChartPart } from "./sets.js";
export { scenarioCharts, reportParts, uniqueIds, REPORT_SCENARIO, type ScenarioChartOptions } from "./scenario.js";

export interface InputChartOptions {
  readonly version: string;
  /** the results file the inputs came from, named in each source line */
  readonly file: string;
  readonly tolerancePct?: number;
  /** sweep metrics to draw (default: see `defaultMetrics`) */
  readonly metrics?: readonly string[];
  /** targets to draw as lines (`chart --target`), besides those the results carry */
  readonly targets?: readonly ChartTarget[];
}

/** "model ...; hardware ...; parameters ..." from what a results file records, or that it records nothing. */
export function provenanceText(p: ResultProvenance | undefined): string {
  if (!p) return "model, hardware and parameter-set version: not recorded in the file";
  const list = (xs: readonly string[]) => (xs.length > 0 ? xs.join(", ") : "not recorded");
  return `model ${list(p.models)}; hardware ${list(p.hardware)}; parameters ${list(p.parameterSets)}${p.wafersim ? `; computed by wafersim ${p.wafersim}` : ""}`;
}

/** Every chart the inputs allow: 2 and 3 from predictions, 4 (one per metric) from calibration, 5 from sessions, 6 (one per metric) from a sweep. */
export function specsFromInputs(inp: ChartInputs, opts: InputChartOptions): ChartSpec[] {
  const file = basename(opts.file);
  const specs: ChartSpec[] = [];
  if (inp.predictions && inp.predictions.length > 0) {
    specs.push(hardwareBarsSpec(inp.predictions, opts.version), ttftBreakdownSpec(inp.predictions, opts.version), perTokenBreakdownSpec(inp.predictions, opts.version));
  }
  if (inp.calibration) {
    specs.push(...calibrationSpecs(inp.calibration, {
      origin: `wafersim calibrate results in ${file} (charted by wafersim ${opts.version}; the file does not record the parameter sets' provenance)`,
      ...(opts.tolerancePct !== undefined ? { tolerancePct: opts.tolerancePct } : {}),
    }));
  }
  if (inp.sessions && inp.sessions.length > 0) specs.push(...sessionSpecs(inp.sessions, `wafersim session results in ${file} (charted by wafersim ${opts.version})`));
  if (inp.sweep) {
    const targets = [...(inp.targets ?? []), ...(opts.targets ?? [])];
    // a metric with a target is drawn even when not asked for
    const metrics = opts.metrics && opts.metrics.length > 0 ? opts.metrics : [...new Set([...defaultMetrics(inp.sweep), ...targets.map((t) => t.metric)])];
    specs.push(...sweepSpecs(inp.sweep, metrics, {
      origin: `wafersim results in ${file} (charted by wafersim ${opts.version}); ${provenanceText(inp.provenance)}`,
      file, targets,
    }));
  }
  return specs;
}
