/**
 * Chart specs (pure) for wafersim's results. Rendering lives in render.ts (PNG/SVG, imports
 * canvas) and html.ts (self-contained report); import those lazily.
 */
import { basename } from "node:path";
import { calibrationSpec } from "./calibration.js";
import { perTokenBreakdownSpec, ttftBreakdownSpec } from "./breakdown.js";
import { hardwareBarsSpec } from "./hardware.js";
import type { ChartInputs } from "./input.js";
import { sessionTimelineSpec } from "./session.js";
import type { ChartSpec } from "./spec.js";
import { sweepSpec } from "./sweep.js";

export type { ChartSpec, Axis, Series, Point, Table } from "./spec.js";
export { PALETTE, CHART_WIDTH, CHART_HEIGHT } from "./spec.js";
export { toChartJs, type ChartJsConfig } from "./chartjs.js";
export { batchTradeoffSpec, type BatchCurve } from "./batch.js";
export { hardwareBarsSpec } from "./hardware.js";
export { ttftBreakdownSpec, perTokenBreakdownSpec, type StackTimes } from "./breakdown.js";
export { calibrationSpec, type CalibrationResult, type CalibrationRow } from "./calibration.js";
export { sessionTimelineSpec, type SessionTimeline, type Segment } from "./session.js";
export { sweepSpec, type SweepResult, type SweepAxis } from "./sweep.js";
export { readChartInputs, type ChartInputs } from "./input.js";
export { CHART_SETS, engineSpecs, batchCurve, type EngineChartSet } from "./sets.js";

export interface InputChartOptions {
  readonly version: string;
  /** the results file the inputs came from, named in each source line */
  readonly file: string;
  readonly tolerancePct?: number;
}

/** Every chart the inputs allow: 2 and 3 from predictions, 4 from calibration, 5 from sessions, 6 from a sweep. */
export function specsFromInputs(inp: ChartInputs, opts: InputChartOptions): ChartSpec[] {
  const file = basename(opts.file);
  const specs: ChartSpec[] = [];
  if (inp.predictions && inp.predictions.length > 0) {
    specs.push(hardwareBarsSpec(inp.predictions, opts.version), ttftBreakdownSpec(inp.predictions, opts.version), perTokenBreakdownSpec(inp.predictions, opts.version));
  }
  if (inp.calibration) {
    specs.push(calibrationSpec(inp.calibration, { origin: `wafersim calibrate results in ${file} (charted by wafersim ${opts.version})`, ...(opts.tolerancePct !== undefined ? { tolerancePct: opts.tolerancePct } : {}) }));
  }
  if (inp.sessions && inp.sessions.length > 0) specs.push(sessionTimelineSpec(inp.sessions, `wafersim session results in ${file} (charted by wafersim ${opts.version})`));
  if (inp.sweep) specs.push(sweepSpec(inp.sweep, `wafersim sweep results in ${file} (charted by wafersim ${opts.version})`));
  return specs;
}
