/** Scenario files: extends, what-if overrides, sweep axes; the fast sweep path; solve. */
export { loadScenario, resolveScenario, SCENARIOS_DIR, DEFAULTS, type Scenario, type Setting, type Axis } from "./load.js";
export { BASE_KEYS, isRelative, type KeyDef, type Relative, type Value } from "./keys.js";
export { SESSION_METRICS, type SessionMetric } from "./session.js";
export { makePlan, Plan, type Point, type Cell } from "./plan.js";
export { LeanEvaluator, METRICS, type Metric } from "./fast.js";
export { runSweep, mergeShards, parseShard, shardRange, type SweepOptions, type SweepResult, type Shard } from "./sweep.js";
export { solve, parseTarget, type Target, type SolveResult, type SolveRow, type Edge } from "./solve.js";
export { scenarioJsonSchema, jsonSchemaFor } from "./schema.js";
export { FORMATS, type Format } from "./output.js";
export { overrideHardware, overrideModel } from "./context.js";
