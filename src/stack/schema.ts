import { LIMITS } from "../schema/limits.js";
import { ID_FIELD, sourced, type Field, type Spec, type Sourced } from "../schema/spec.js";

const time = (allowZero = true): Spec => ({ t: "quantity", dim: "time", allowZero });
const roundTrips: Spec = { t: "number", integer: true, min: 0, limit: LIMITS.roundTrips };

/**
 * The shape of models/stacks/*.yaml: what a serving stack (the API between an agent and the
 * model) adds to each request and to each streamed token. Every part is a sourced figure.
 */
export const STACK_SPEC: Spec = {
  t: "object",
  doc: "A serving stack: network, session start-up, request handling, queueing and per-token streaming overheads.",
  fields: {
    id: ID_FIELD,
    name: { t: "string" },
    description: { t: "string" },
    network: {
      t: "object",
      doc: "client <-> API network time before the first byte of a response",
      fields: {
        roundTripTime: sourced(time(false), "one network round trip between the client and the API"),
        roundTripsPerRequest: sourced(roundTrips, "round trips each request waits for (connection set-up plus the request itself)"),
        roundTripsPerSession: sourced(roundTrips, "round trips paid once per session (opening a persistent connection)"),
      },
    },
    sessionStartup: {
      t: "object",
      doc: "server work to (re)build a conversation's state",
      fields: {
        perRequest: sourced(time(), "paid on every request"),
        perSession: sourced(time(), "paid once per session (connection-scoped state kept between requests)"),
      },
    },
    requestHandling: sourced(time(), "per request: validation, safety classification of the input, routing to inference"),
    queueing: sourced(time(), "per request: waiting for admission to an inference slot, before the prefill starts"),
    perTokenOverhead: sourced(time(), "per streamed output token: event framing, detokenising, streaming safety checks"),
  },
};

export interface Stack {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly network: { readonly roundTripTime: Sourced; readonly roundTripsPerRequest: Sourced; readonly roundTripsPerSession: Sourced };
  readonly sessionStartup: { readonly perRequest: Sourced; readonly perSession: Sourced };
  readonly requestHandling: Sourced;
  readonly queueing: Sourced;
  readonly perTokenOverhead: Sourced;
}

/** The stack's parts of one request's time to first token, in seconds. */
export interface StackTtftParts {
  readonly network: number;
  readonly sessionStartup: number;
  readonly requestHandling: number;
  readonly queueing: number;
}

/** Time to first token split into the stack's parts and the model's (seconds; they add up to ttftSeconds). */
export interface TtftBreakdown extends StackTtftParts {
  readonly prefill: number;
  readonly firstDecodeStep: number;
}
