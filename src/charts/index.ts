/**
 * Chart specs (pure) for wafersim's results. Rendering lives in render.ts (PNG/SVG, imports
 * canvas) and html.ts (self-contained report); import those lazily.
 */
import { basename } from "node:path";
import { calibrationSpecs } from "./calibration.js";
import { perTokenBreakdownSpec, ttftBreakdownSpec } from "./breakdown.js";
import { hardwareBarsSpec } from "./hardware.js";
import type { ChartInputs } from "./input.js";
import { sessionTimelineSpec } from "./session.js";
import type { ChartSpec } from "./spec.js";
import { sweepSpecs } from "./sweep.js";

export type { ChartSpec, Axis, Series, Point, Table } from "./spec.js";
export { PALETTE, CHART_WIDTH, CHART_HEIGHT } from "./spec.js";
export { toChartJs, type ChartJsConfig } from "./chartjs.js";
export { batchTradeoffSpec, type BatchCurve } from "./batch.js";
export { hardwareBarsSpec } from "./hardware.js";
export { ttftBreakdownSpec, perTokenBreakdownSpec, type StackTimes } from "./breakdown.js";
export { calibrationSpecs, calibrationMetricSpec, type CalibrationResult, type CalibrationRow } from "./calibration.js";
export { sessionTimelineSpec, type SessionTimeline, type Segment } from "./session.js";
export { sweepSpec, sweepSpecs, defaultMetrics, chartableMetrics, type SweepData, type SweepRow } from "./sweep.js";
export { readChartInputs, sessionTimelineOf, type ChartInputs } from "./input.js";
export { CHART_SETS, LIVE_SETS, engineSpecs, batchCurve, calibrationSetSpecs, sessionsSetSpecs, type EngineChartSet, type ChartPart } from "./sets.js";
export { scenarioCharts, reportParts, uniqueIds, REPORT_SCENARIO, type ScenarioChartOptions } from "./scenario.js";

export interface InputChartOptions {
  readonly version: string;
  /** the results file the inputs came from, named in each source line */
  readonly file: string;
  readonly tolerancePct?: number;
  /** sweep metrics to draw (default: see `defaultMetrics`) */
  readonly metrics?: readonly string[];
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
  if (inp.sessions && inp.sessions.length > 0) specs.push(sessionTimelineSpec(inp.sessions, `wafersim session results in ${file} (charted by wafersim ${opts.version})`));
  if (inp.sweep) {
    specs.push(...sweepSpecs(inp.sweep, opts.metrics, {
      origin: `wafersim sweep results in ${file} (charted by wafersim ${opts.version}); engine figures from models/hardware and models/llm, calibration version not recorded in the file`,
      file,
    }));
  }
  return specs;
}
