/**
 * wafersim's public API. The CLI uses only what is exported here or in the command modules.
 */
export { predict, prepare, prepareFrom, evaluate, rooflineTokensPerSecond, type Prediction, type Prepared } from "./engine/predict.js";
export type { Breakdown, Bound, PredictOptions, Speculation, Workload } from "./engine/types.js";
export { expectedTokensPerStep } from "./engine/phases/speculative.js";
export { parameterSets, parameterSetFor, PARAMETER_DEFS, type ParameterSet, type ParameterDef } from "./engine/parameters.js";
export { loadModel, modelFromData } from "./model/load.js";
export { countParams, type Architecture, type ParamCounts, type WeightFormat } from "./model/arch.js";
export type { Model } from "./model/types.js";
export { loadHardware, hardwareFromData } from "./hardware/load.js";
export type { Hardware } from "./hardware/types.js";
export { InputError, formatIssue, type Issue } from "./errors.js";
export { listIds } from "./registry.js";
export type { Bytes, Seconds, BytesPerSecond, FlopPerSecond, Flop, Quantity } from "./units/quantity.js";
