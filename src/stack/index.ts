/** Serving-stack overheads: the public surface of src/stack. */
export { applyStack, withStack, ttftThrough, type StackedPrediction, type StackSummary } from "./apply.js";
export { loadStack, stackFromData, requestParts, roundtripOverheadSeconds, sessionOpenSeconds, stackTtftSeconds } from "./load.js";
export { STACK_SPEC, type Stack, type StackTtftParts, type TtftBreakdown } from "./schema.js";
