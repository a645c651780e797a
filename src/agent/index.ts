/** Coding-agent sessions and time to a solved task: the public surface of src/agent. */
export { loadTask, taskFromData, promptTokensAt, outputTokensPerTurn, TASK_SPEC, type TaskProfile } from "./profile.js";
export { simulateSession, servingBatch, type SessionOptions, type SessionResult, type SessionSplit, type TurnResult } from "./session.js";
export { accuracyFor, breakEven, candidateResult, expectedAttempts, expectedSecondsToSolve, solved, solvedWithin, type BreakEven, type Candidate, type CandidateResult, type SolvedResult } from "./solved.js";
