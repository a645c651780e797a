import { inputError } from "../errors.js";
import type { Rng } from "./random.js";

/** A token-length distribution: a fixed count, or lognormal with a mean and a coefficient of variation. */
export type LengthDist =
  | { readonly kind: "fixed"; readonly tokens: number }
  | { readonly kind: "lognormal"; readonly mean: number; readonly cv: number };

const EXPECTED = 'a whole number of tokens such as 2000, or a distribution such as "lognormal:mean=2000,cv=1.5"';

/** Longest length a distribution may ask for: lengths are capped at the model's context anyway. */
const MAX_TOKENS = 10_000_000;

/** Parses "2000" or "lognormal:mean=2000,cv=1.5" (the only forms; nothing is evaluated). */
export function parseLength(flag: string, text: string): LengthDist {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < 1 || n > MAX_TOKENS) throw inputError({ file: flag, path: "", problem: "out of range", got: JSON.stringify(text), expected: `a whole number from 1 to ${MAX_TOKENS}` });
    return { kind: "fixed", tokens: n };
  }
  const m = /^lognormal:(.*)$/.exec(t);
  if (!m) throw inputError({ file: flag, path: "", problem: "not a length or a known distribution", got: JSON.stringify(text), expected: EXPECTED });
  const params: Record<string, number> = {};
  for (const part of m[1]!.split(",")) {
    const kv = /^\s*(mean|cv)\s*=\s*([0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)\s*$/.exec(part);
    if (!kv || kv[1]! in params) throw inputError({ file: flag, path: "", problem: `cannot read ${JSON.stringify(part)}`, got: JSON.stringify(text), expected: "lognormal:mean=<tokens>,cv=<spread>, each once" });
    params[kv[1]!] = Number(kv[2]);
  }
  const mean = params["mean"];
  const cv = params["cv"];
  if (mean === undefined || cv === undefined) throw inputError({ file: flag, path: "", problem: "lognormal needs mean and cv", got: JSON.stringify(text), expected: "lognormal:mean=<tokens>,cv=<spread>" });
  if (!(mean >= 1 && mean <= MAX_TOKENS) || !(cv > 0 && cv <= 100)) throw inputError({ file: flag, path: "", problem: "out of range", got: JSON.stringify(text), expected: `mean from 1 to ${MAX_TOKENS} tokens and cv above 0, at most 100` });
  return { kind: "lognormal", mean, cv };
}

/** The mean of a distribution (tokens). */
export function meanLength(d: LengthDist): number {
  return d.kind === "fixed" ? d.tokens : d.mean;
}

export function lengthText(d: LengthDist): string {
  return d.kind === "fixed" ? String(d.tokens) : `lognormal:mean=${d.mean},cv=${d.cv}`;
}

/**
 * One draw, rounded to a whole token, at least 1 and at most `cap`. Lognormal with mean m and
 * coefficient of variation v: sigma^2 = ln(1 + v^2), mu = ln(m) - sigma^2 / 2.
 */
export function drawLength(d: LengthDist, rng: Rng, cap: number): number {
  if (d.kind === "fixed") return Math.min(d.tokens, cap);
  const s2 = Math.log(1 + d.cv * d.cv);
  const x = Math.exp(Math.log(d.mean) - s2 / 2 + Math.sqrt(s2) * rng.normal());
  return Math.max(1, Math.min(cap, Math.round(x)));
}
