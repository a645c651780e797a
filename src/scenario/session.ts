import { InputError, type Issue } from "../errors.js";
import type { SessionOptions, SessionResult } from "../agent/session.js";
import type { TaskProfile } from "../agent/profile.js";

/** The parts of a session's serving overhead, as named in SessionSplit.overhead (without "Seconds"). */
export const OVERHEAD_PARTS = ["sessionOpen", "network", "sessionStartup", "requestHandling", "queueing", "streaming"] as const;

/** Each part's name for people: in full (chart titles) and short (table headers). */
export const OVERHEAD_LABELS: Readonly<Record<(typeof OVERHEAD_PARTS)[number], { readonly full: string; readonly short: string }>> = {
  sessionOpen: { full: "session opening", short: "open" },
  network: { full: "network round trips", short: "network" },
  sessionStartup: { full: "session start-up", short: "start-up" },
  requestHandling: { full: "request handling", short: "handling" },
  queueing: { full: "queueing", short: "queueing" },
  streaming: { full: "per-token streaming", short: "streaming" },
};

/**
 * Scenarios with `task`: every point is one agent session (src/agent/session.ts's
 * simulateSession, as `wafersim session` runs it), and these are its columns. Names follow the
 * SessionResult they are read from (wallSeconds, split.modelSeconds -> session.modelSeconds,
 * split.model.decodeSeconds -> session.model.decodeSeconds, ...). SI units: seconds, tokens.
 */
export const SESSION_METRICS = [
  "hardware.chips",
  /** users sharing each decode step: the scenario's batch, or the task profile's serving assumption */
  "session.batch",
  "session.turns",
  /** output tokens decoded over the session (visible and reasoning, every turn) */
  "session.decodedTokens",
  /**
   * the model's mean per-user decode speed over the session's turns: decoded tokens / model
   * decode time, i.e. the token-weighted (harmonic) mean of the turns' 1 / time per output
   * token, serving-stack per-token overhead excluded
   */
  "session.decodeTokensPerSecond",
  "session.wallSeconds",
  "session.modelSeconds",
  "session.model.prefillSeconds",
  "session.model.decodeSeconds",
  "session.toolSeconds",
  "session.overheadSeconds",
  "session.shares.model",
  "session.shares.tool",
  "session.shares.overhead",
  "model.totalParams",
  /** the serving overhead's parts (split.overhead), in seconds and as shares of wallSeconds */
  ...OVERHEAD_PARTS.map((p) => `session.overhead.${p}Seconds` as const),
  ...OVERHEAD_PARTS.map((p) => `session.shares.${p}` as const),
] as const;

export type SessionMetric = (typeof SESSION_METRICS)[number];

/** Writes a session's metrics into `out` in SESSION_METRICS order. */
export function sessionMetricsInto(r: SessionResult, totalParams: number, out: Float64Array): void {
  let tokens = 0;
  for (const t of r.turns) tokens += t.visibleOutputTokens + t.reasoningOutputTokens;
  const s = r.split;
  out[0] = r.hardware.chips;
  out[1] = r.serving.batch;
  out[2] = r.turns.length;
  out[3] = tokens;
  out[4] = s.model.decodeSeconds > 0 ? tokens / s.model.decodeSeconds : NaN;
  out[5] = r.wallSeconds;
  out[6] = s.modelSeconds;
  out[7] = s.model.prefillSeconds;
  out[8] = s.model.decodeSeconds;
  out[9] = s.toolSeconds;
  out[10] = s.overheadSeconds;
  out[11] = s.shares.model;
  out[12] = s.shares.tool;
  out[13] = s.shares.overhead;
  out[14] = totalParams;
  OVERHEAD_PARTS.forEach((part, i) => {
    const seconds = s.overhead[`${part}Seconds`];
    out[15 + i] = seconds;
    out[15 + OVERHEAD_PARTS.length + i] = r.wallSeconds > 0 ? seconds / r.wallSeconds : NaN;
  });
}

/** What a session point needs from src/agent and src/stack, loaded only for scenarios with `task`. */
export interface SessionHook {
  readonly simulate: (opts: SessionOptions) => SessionResult;
  readonly loadTask: (ref: string, what: string) => TaskProfile;
  readonly loadStack: (ref: string, what: string) => unknown;
}

let loaded: SessionHook | undefined;

export async function loadSessionHook(): Promise<SessionHook> {
  if (loaded) return loaded;
  const agent = await import("../agent/index.js");
  const stack = await import("../stack/index.js");
  loaded = { simulate: agent.simulateSession, loadTask: agent.loadTask, loadStack: stack.loadStack };
  return loaded;
}

/**
 * Runs `fn`, which reports problems against a placeholder file `what` (as a command-line flag
 * would be), and re-issues them against the scenario file and key that gave the value.
 */
export function blameOn<T>(what: string, file: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(err.issues.map((i): Issue => (i.file === what ? { ...i, file, path } : i)), { cause: err });
  }
}
