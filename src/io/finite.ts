import { InputError, type Issue } from "../errors.js";

/**
 * Results are numbers: no result a command prints or writes may hold NaN or Infinity
 * (JSON.stringify would turn them into null, a table into "NaN%" or "Infinity min", and a JSON
 * writer that prints numbers itself into invalid JSON). Every result passes this check before it
 * is printed or written.
 */

/** A number in a result that is NaN or +-Infinity, with its dotted path ("decode.tokensPerSecondPerUser", "turns[3].ttftSeconds"). */
export interface NonFinite {
  readonly path: string;
  readonly value: number;
}

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);

/**
 * The non-finite numbers in `value` (plain objects, arrays, typed arrays and Maps, walked
 * depth-first without recursion), at most `max` of them. Shared objects are visited once.
 */
export function nonFiniteNumbers(value: unknown, max = 5): NonFinite[] {
  const found: NonFinite[] = [];
  const seen = new Set<object>();
  const stack: { path: string; value: unknown }[] = [{ path: "", value }];
  while (stack.length > 0 && found.length < max) {
    const { path, value: v } = stack.pop()!;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) found.push({ path, value: v });
      continue;
    }
    if (v === null || typeof v !== "object" || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      if (v instanceof DataView) continue;
      const a = v as unknown as ArrayLike<number | bigint>;
      for (let i = 0; i < a.length && found.length < max; i++) {
        const x = a[i];
        if (typeof x === "number" && !Number.isFinite(x)) found.push({ path: `${path}[${i}]`, value: x });
      }
      continue;
    }
    const children: { path: string; value: unknown }[] = [];
    if (Array.isArray(v)) v.forEach((x, i) => children.push({ path: `${path}[${i}]`, value: x }));
    else if (v instanceof Map) for (const [k, x] of v) children.push({ path: join(path, String(k)), value: x });
    else for (const k of Object.keys(v)) children.push({ path: join(path, k), value: (v as Record<string, unknown>)[k] });
    // Reversed so that the walk reports fields in their written order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return found;
}

/**
 * Returns `result` unchanged when every number in it is finite; otherwise throws an InputError
 * (exit code 2) naming each non-finite field of `what` ("predict", "calibrate", "sweep point 12").
 * Inputs are range-checked when read (src/schema/limits.ts), so this is the last guard: a
 * non-finite result means an input combination the engine cannot compute with.
 */
export function assertFinite<T>(result: T, what: string): T {
  const bad = nonFiniteNumbers(result);
  if (bad.length === 0) return result;
  throw new InputError(bad.map((b): Issue => ({
    file: what, path: b.path, problem: "the result is not a finite number", got: String(b.value), expected: "a finite number",
    hint: "an input is outside what the engine can compute with (a size or rate near zero, or far beyond real hardware); if every input is plausible, please report it",
  })));
}

/** Whether `v` is a finite number: false for NaN and both infinities (x - x is NaN for them). */
export function isFiniteNumber(v: number): boolean {
  return v - v === 0;
}

/**
 * Why a row's values are not all finite, or "": names the columns whose value is NaN or
 * infinite, among `slots` (indices into `values`, named by `names`).
 */
export function nonFiniteNote(names: readonly string[], values: ArrayLike<number>, slots: ArrayLike<number>): string {
  const bad: string[] = [];
  for (let i = 0; i < slots.length; i++) {
    const v = values[slots[i]!]!;
    if (!isFiniteNumber(v)) bad.push(`${names[slots[i]!]!} (${v === v ? "infinite" : "not a number"})`);
  }
  return bad.length === 0 ? "" : `not finite, written as null: ${bad.join(", ")}`;
}
