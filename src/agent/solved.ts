import type { Sourced } from "../schema/spec.js";
import type { SessionResult } from "./session.js";

/**
 * Time to a solved task with retries. Attempts are independent, each succeeds with the same
 * probability p and each (failed or not) takes a whole session: the number of attempts is
 * geometric, so the expected attempts are 1 / p and the expected time is attempt time / p.
 */
export function expectedAttempts(p: number): number {
  return p > 0 ? 1 / p : Infinity;
}

export function expectedSecondsToSolve(attemptSeconds: number, p: number): number {
  return attemptSeconds * expectedAttempts(p);
}

/** Probability of at least one success within k attempts. */
export function solvedWithin(p: number, k: number): number {
  return 1 - Math.pow(1 - p, k);
}

export interface Candidate {
  readonly label: string;
  readonly session: SessionResult;
  readonly accuracy: { readonly value: number; readonly source: string };
}

export interface CandidateResult {
  readonly label: string;
  readonly model: string;
  readonly hardware: string;
  readonly stack: string | null;
  readonly accuracy: number;
  readonly accuracySource: string;
  readonly attemptSeconds: number;
  readonly expectedAttempts: number;
  readonly expectedSecondsToSolve: number;
  /** expected time to solve every task of the backlog, one after another */
  readonly backlogSeconds: number;
  readonly solvedWithin3Attempts: number;
}

export interface BreakEven {
  readonly lessAccurate: string;
  readonly moreAccurate: string;
  /** the less accurate one clears the backlog first when its attempt is shorter than this */
  readonly requiredAttemptSeconds: number;
  /** how many times shorter than the more accurate one's attempt it must be: p_more / p_less */
  readonly requiredSpeedup: number;
  readonly actualSpeedup: number;
  readonly clearsBacklogFirst: boolean;
  /**
   * Per-user decode speed (stack included) the less accurate one would need, everything else
   * of its session unchanged; null when even an instant decode would not be enough.
   */
  readonly requiredTokensPerSecondPerUser: number | null;
  readonly actualTokensPerSecondPerUser: number;
}

export interface SolvedResult {
  readonly task: string;
  readonly backlogTasks: number;
  readonly candidates: readonly CandidateResult[];
  readonly breakEven: BreakEven | null;
}

export function candidateResult(c: Candidate, backlog: number): CandidateResult {
  const t = c.session.wallSeconds;
  const p = c.accuracy.value;
  return {
    label: c.label, model: c.session.model.id, hardware: `${c.session.hardware.chips} x ${c.session.hardware.id}`, stack: c.session.stack?.id ?? null,
    accuracy: p, accuracySource: c.accuracy.source,
    attemptSeconds: t, expectedAttempts: expectedAttempts(p), expectedSecondsToSolve: expectedSecondsToSolve(t, p),
    backlogSeconds: backlog * expectedSecondsToSolve(t, p), solvedWithin3Attempts: solvedWithin(p, 3),
  };
}

/**
 * Break-even between a less and a more accurate agent on a backlog of tasks: the expected time
 * for N tasks is N x t / p, so the less accurate one (p_l < p_m) is done first exactly when
 * t_l < t_m x p_l / p_m, whatever N is. With everything but its decode unchanged, that needs a
 * per-user speed s with (t_l - D) + T / s = t_m x p_l / p_m, where T tokens took D seconds.
 */
export function breakEven(less: Candidate, more: Candidate): BreakEven {
  const pl = less.accuracy.value;
  const pm = more.accuracy.value;
  const tl = less.session.wallSeconds;
  const tm = more.session.wallSeconds;
  const required = (tm * pl) / pm;
  const { tokens, seconds } = less.session.decodePaced;
  const rest = tl - seconds;
  return {
    lessAccurate: less.label, moreAccurate: more.label,
    requiredAttemptSeconds: required,
    requiredSpeedup: pm / pl,
    actualSpeedup: tm / tl,
    clearsBacklogFirst: tl < required,
    requiredTokensPerSecondPerUser: required > rest && tokens > 0 ? tokens / (required - rest) : null,
    actualTokensPerSecondPerUser: seconds > 0 ? tokens / seconds : Infinity,
  };
}

export function solved(task: string, candidates: readonly Candidate[], backlog: number): SolvedResult {
  const results = candidates.map((c) => candidateResult(c, backlog));
  let be: BreakEven | null = null;
  if (candidates.length === 2) {
    const [a, b] = candidates as [Candidate, Candidate];
    if (a.accuracy.value !== b.accuracy.value) be = a.accuracy.value < b.accuracy.value ? breakEven(a, b) : breakEven(b, a);
  }
  return { task, backlogTasks: backlog, candidates: results, breakEven: be };
}

/** A model's per-attempt success rate: --accuracy, else the task profile's figure for the model id. */
export function accuracyFor(profileAccuracy: Readonly<Record<string, Sourced>> | undefined, modelId: string, given: number | undefined, flag: string): { value: number; source: string } | { missing: string } {
  if (given !== undefined) return { value: given, source: flag };
  const a = profileAccuracy?.[modelId];
  if (a) return { value: a.value, source: a.source };
  return { missing: Object.keys(profileAccuracy ?? {}).join(", ") || "(none)" };
}
