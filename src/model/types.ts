import type { Architecture, ParamCounts } from "./arch.js";

/** A language model: its architecture, parameter counts and where the description came from. */
export interface Model {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly source: { readonly url: string; readonly date?: string; readonly note?: string };
  /** Present for models whose architecture is not published: what is assumed and why. */
  readonly assumption?: { readonly what: string; readonly why: string; readonly consistentWith: string };
  readonly arch: Architecture;
  readonly params: ParamCounts;
}
