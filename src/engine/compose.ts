import type { Machine } from "./machine.js";
import { forward, newAcc, resetAcc, type Acc, type Pass } from "./phases/forward.js";
import { expectedTokensPerStep } from "./phases/speculative.js";
import { draftHeadProfile, type ModelProfile } from "./profile.js";

/**
 * How a request's phases are put together from forward passes: a decode step (or, with
 * speculative decoding, k draft steps and one verify pass of k + 1 positions), then the prefill
 * of the prompt. `evaluate` (full Prediction) and the sweep's LeanEvaluator both call this, so
 * the composition exists once. Buffers are reused across calls on hot paths.
 */
type PassBuf = { -readonly [K in keyof Pass]: Pass[K] };

export interface Composition {
  readonly decode: Acc;
  readonly draft: Acc;
  readonly prefill: Acc;
  readonly pass: PassBuf;
  /** the one-layer draft head of the profile last used, built once */
  head?: { readonly of: ModelProfile; readonly profile: ModelProfile };
}

export function newComposition(): Composition {
  return { decode: newAcc(), draft: newAcc(), prefill: newAcc(), pass: { users: 1, tokensPerUser: 1, priorContext: 0, headTokensPerUser: 1, phase: "decode" } };
}

export interface Phases {
  /** seconds per output token, after speculation */
  readonly tpot: number;
  readonly tokensPerStep: number;
  readonly prefillSeconds: number;
  /** the context at which the average decode step is taken: P + floor(O / 2) */
  readonly decodeContext: number;
}

export interface Draft {
  readonly profile: ModelProfile;
  readonly machine: Machine;
}

/**
 * Decode runs over contexts from P to P + O; its average per-token time is taken at the
 * mid-point (its costs grow linearly with context). Results land in `c.decode` (per step,
 * draft included) and `c.prefill`.
 */
export function composePhases(
  c: Composition, profile: ModelProfile, machine: Machine, draft: Draft | undefined,
  batch: number, promptTokens: number, outputTokens: number, draftTokens: number, acceptance: number,
): Phases {
  const pass = c.pass;
  const acc = resetAcc(c.decode);
  const decodeContext = promptTokens + Math.floor(outputTokens / 2);
  pass.users = batch;
  pass.priorContext = decodeContext;
  pass.phase = "decode";
  let stepSeconds: number;
  let tokensPerStep = 1;
  if (draftTokens > 0) {
    // Verify k + 1 positions per user in one pass; draft k tokens first.
    pass.tokensPerUser = draftTokens + 1;
    pass.headTokensPerUser = draftTokens + 1;
    stepSeconds = forward(profile, machine, pass, acc);
    const draftAcc = resetAcc(c.draft);
    pass.tokensPerUser = 1;
    pass.headTokensPerUser = 1;
    let draftStep: number;
    if (draft) {
      draftStep = forward(draft.profile, draft.machine, pass, draftAcc);
    } else {
      // The draft head runs one layer plus the output head, with no step overhead of its own.
      if (c.head?.of !== profile) c.head = { of: profile, profile: draftHeadProfile(profile) };
      draftStep = forward(c.head.profile, machine, pass, draftAcc) - draftAcc.overhead;
    }
    acc.draft += draftTokens * draftStep;
    stepSeconds += draftTokens * draftStep;
    tokensPerStep = expectedTokensPerStep(draftTokens, acceptance);
  } else {
    pass.tokensPerUser = 1;
    pass.headTokensPerUser = 1;
    stepSeconds = forward(profile, machine, pass, acc);
  }
  resetAcc(c.prefill);
  pass.tokensPerUser = promptTokens;
  pass.priorContext = 0;
  pass.headTokensPerUser = 1;
  pass.phase = "prefill";
  const prefillSeconds = forward(profile, machine, pass, c.prefill);
  return { tpot: stepSeconds / tokensPerStep, tokensPerStep, prefillSeconds, decodeContext };
}
