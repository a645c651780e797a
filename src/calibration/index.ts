export { calibrate, predictCase, fittedDefs, nearBounds, type CalibrationReport, type ReferenceResult, type CheckResult, type SetResult } from "./calibrate.js";
export { loadReferences, TOLERANCE_PCT, type Reference, type Check, type Metric } from "./references.js";
export { accuracyMarkdown, parametersAtBounds } from "./report.js";
export { writeSet, writeReadmeAccuracy, readmeAccuracyBlock } from "./write.js";
