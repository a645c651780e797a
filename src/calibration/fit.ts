import { createRequire } from "node:module";
import type { MathJsInstance } from "mathjs";

/**
 * Bounded non-linear least squares by Levenberg-Marquardt (Marquardt 1963). mathjs has no
 * non-linear fitter, so the iteration is ours and mathjs solves the damped normal equations.
 * Each parameter is fitted in an unbounded variable u mapped into its physical range by a
 * sigmoid (logarithmically for ranges spanning decades), so no step can leave the range.
 */
export interface Bounded {
  readonly lo: number;
  readonly hi: number;
}

let math: MathJsInstance | undefined;
function m(): MathJsInstance {
  if (!math) {
    const require = createRequire(import.meta.url);
    const bundle = require("mathjs/lib/browser/math.js") as typeof import("mathjs");
    math = bundle.create(bundle.all!, {});
  }
  return math;
}

const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));
const logit = (p: number) => Math.log(p / (1 - p));
const isLog = (b: Bounded) => b.lo > 0 && b.hi / b.lo >= 20;

export function toValue(b: Bounded, u: number): number {
  const s = sigmoid(u);
  const x = isLog(b) ? Math.exp(Math.log(b.lo) + (Math.log(b.hi) - Math.log(b.lo)) * s) : b.lo + (b.hi - b.lo) * s;
  return Math.min(b.hi, Math.max(b.lo, x));
}

export function toFree(b: Bounded, x: number): number {
  const p = isLog(b) ? (Math.log(x) - Math.log(b.lo)) / (Math.log(b.hi) - Math.log(b.lo)) : (x - b.lo) / (b.hi - b.lo);
  return logit(Math.min(1 - 1e-6, Math.max(1e-6, p)));
}

export interface FitResult {
  readonly values: number[];
  readonly cost: number;
  readonly iterations: number;
}

/**
 * Minimises sum(residuals(x)^2) + ridge * sum((u - u0)^2). The small ridge term keeps
 * parameters that the references cannot tell apart at their starting values instead of
 * drifting along a flat valley; it is the same for every set and every parameter.
 */
export function fitLeastSquares(residuals: (x: number[]) => number[], start: number[], bounds: readonly Bounded[], opts: { ridge?: number; maxIterations?: number; starts?: readonly number[] } = {}): FitResult {
  // Levenberg-Marquardt finds the minimum of the valley it starts in. A few starts spread over
  // the ranges (the same for every fit: the given start, and every parameter shifted together
  // towards either end) guard against a poor local minimum; the cheapest result is kept. The
  // ridge always pulls towards the given start.
  const u0 = start.map((x, i) => Math.min(4, Math.max(-4, toFree(bounds[i]!, x))));
  let best: FitResult | undefined;
  for (const shift of opts.starts ?? [0, -1.5, 1.5]) {
    const r = fitFrom(residuals, u0, u0.map((u) => Math.min(4, Math.max(-4, u + shift))), bounds, opts);
    if (!best || r.cost < best.cost) best = r;
  }
  return best!;
}

function fitFrom(residuals: (x: number[]) => number[], u0: readonly number[], first: readonly number[], bounds: readonly Bounded[], opts: { ridge?: number; maxIterations?: number }): FitResult {
  const ridge = opts.ridge ?? 1e-3;
  const maxIt = opts.maxIterations ?? 60;
  const n = u0.length;
  const full = (u: number[]): number[] => [...residuals(u.map((v, i) => toValue(bounds[i]!, v))), ...u.map((v, i) => Math.sqrt(ridge) * (v - u0[i]!))];
  const costOf = (r: number[]) => r.reduce((s, v) => s + v * v, 0);
  let u = [...first];
  let r = full(u);
  let cost = costOf(r);
  let mu = 1e-2;
  let it = 0;
  for (; it < maxIt; it++) {
    const h = 1e-4;
    const J: number[][] = r.map(() => new Array<number>(n).fill(0));
    for (let j = 0; j < n; j++) {
      const up = [...u];
      up[j]! += h;
      const rj = full(up);
      for (let i = 0; i < r.length; i++) J[i]![j] = (rj[i]! - r[i]!) / h;
    }
    const JtJ: number[][] = Array.from({ length: n }, (_, a) => Array.from({ length: n }, (_, b) => J.reduce((s, row) => s + row[a]! * row[b]!, 0)));
    const g = Array.from({ length: n }, (_, a) => J.reduce((s, row, i) => s + row[a]! * r[i]!, 0));
    let improved = false;
    for (let tries = 0; tries < 12; tries++) {
      const A = JtJ.map((row, a) => row.map((v, b) => (a === b ? v + mu * (v + 1e-9) : v)));
      const step = (m().lusolve(A, g.map((v) => -v)) as number[][]).map((row) => row[0]!);
      const cand = u.map((v, j) => v + step[j]!);
      const rc = full(cand);
      const cc = costOf(rc);
      if (Number.isFinite(cc) && cc < cost) {
        const gain = cost - cc;
        u = cand;
        r = rc;
        cost = cc;
        mu = Math.max(mu / 3, 1e-9);
        improved = true;
        if (gain < 1e-12 * Math.max(1, cost)) it = maxIt;
        break;
      }
      mu *= 4;
    }
    if (!improved) break;
  }
  return { values: u.map((v, i) => toValue(bounds[i]!, v)), cost, iterations: it };
}
