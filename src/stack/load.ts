import { InputError, type Issue } from "../errors.js";
import { readData } from "../io/read.js";
import { resolveRef } from "../registry.js";
import { validate } from "../schema/spec.js";
import { STACK_SPEC, type Stack, type StackTtftParts } from "./schema.js";

/** Loads a serving stack by id (models/stacks/<id>.yaml) or path. */
export function loadStack(ref: string, what = "--stack"): Stack {
  const file = resolveRef("stacks", ref, what);
  return stackFromData(file, readData(file));
}

export function stackFromData(file: string, data: unknown): Stack {
  const issues: Issue[] = [];
  const s = validate(STACK_SPEC, data, file, "", issues) as Omit<Stack, "file"> | undefined;
  if (issues.length > 0 || !s) throw new InputError(issues);
  return { ...s, file };
}

/** Per-request parts of time to first token that the stack adds (seconds). */
export function requestParts(s: Stack): StackTtftParts {
  return {
    network: s.network.roundTripTime.value * s.network.roundTripsPerRequest.value,
    sessionStartup: s.sessionStartup.perRequest.value,
    requestHandling: s.requestHandling.value,
    queueing: s.queueing.value,
  };
}

/**
 * Overhead per client/server round trip: everything a request costs outside the model and
 * outside the inference queue (network, session start-up, request handling). This is the
 * quantity OpenAI's "-80% per roundtrip" refers to.
 */
export function roundtripOverheadSeconds(s: Stack): number {
  const p = requestParts(s);
  return p.network + p.sessionStartup + p.requestHandling;
}

/** Once-per-session cost: opening the connection and loading the session's state (seconds). */
export function sessionOpenSeconds(s: Stack): number {
  return s.network.roundTripTime.value * s.network.roundTripsPerSession.value + s.sessionStartup.perSession.value;
}

export function stackTtftSeconds(s: Stack): number {
  const p = requestParts(s);
  return p.network + p.sessionStartup + p.requestHandling + p.queueing;
}
