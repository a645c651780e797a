/**
 * wafersim's public API. The CLI uses only what is exported here or in the command modules.
 */
export { predict, prepare, prepareFrom, evaluate, planOf, prefillAfterCache, type Prediction, type Prepared } from "./engine/predict.js";
export { deploy, passSeconds, type Deployment, type Segment } from "./engine/deployment.js";
export { EXPERT_PLACEMENTS, type ExpertPlacement } from "./engine/machine.js";
export type { Band, Breakdown, Bound, PredictOptions, Speculation, Warning, Workload } from "./engine/types.js";
export { expectedTokensPerStep } from "./engine/phases/speculative.js";
export { parameterSets, parameterSetFor, PARAMETER_DEFS, type ParameterSet, type ParameterDef, type Params, type WaferParams, type GpuParams } from "./engine/parameters.js";
export { loadModel, modelFromData } from "./model/load.js";
export { countParams, type Architecture, type ParamCounts, type WeightFormat } from "./model/arch.js";
export type { Model } from "./model/types.js";
export { loadHardware, hardwareFromData } from "./hardware/load.js";
export type { Hardware } from "./hardware/types.js";
export { InputError, formatIssue, type Issue } from "./errors.js";
export { listIds } from "./registry.js";
export type { Bytes, Seconds, BytesPerSecond, FlopPerSecond, Flop, Quantity } from "./units/quantity.js";
export { applyStack, loadStack, type StackedPrediction, type Stack, type TtftBreakdown } from "./stack/index.js";
export { simulateSession, loadTask, solved, breakEven, expectedSecondsToSolve, type SessionResult, type TaskProfile, type SolvedResult } from "./agent/index.js";
export { specsFromInputs, readChartInputs, batchTradeoffSpec, hardwareBarsSpec, ttftBreakdownSpec, perTokenBreakdownSpec, calibrationSpecs, calibrationMetricSpec, sessionTimelineSpec, sweepSpecs, scenarioCharts, reportParts, calibrationSetSpecs, sessionsSetSpecs, toChartJs, CHART_SETS, engineSpecs, PALETTE, type ChartSpec, type CalibrationResult, type SessionTimeline, type SweepData } from "./charts/index.js";
export { calibrate, loadReferences, type CalibrationReport, type ReferenceResult } from "./calibration/index.js";
export { loadScenario, makePlan, runSweep, mergeShards, parseShard, solve, parseTarget, scenarioJsonSchema, jsonSchemaFor, LeanEvaluator, METRICS, FORMATS, type Scenario, type Setting, type Axis, type Plan, type Point, type SweepOptions, type SweepResult as SweepRunResult, type Target, type SolveResult, type Format, type Metric } from "./scenario/index.js";
