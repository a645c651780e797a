import fc from "fast-check";
import { stringify } from "yaml";
import { formatIssue, InputError, type Issue } from "../../src/errors.js";
import { nonFiniteNumbers } from "../../src/io/finite.js";

/**
 * Shared set-up of the fuzz suites. `npm test` runs each property a fixed number of times with
 * a fixed seed (a few seconds in all); `npm run fuzz` multiplies the runs by
 * WAFERSIM_FUZZ_SCALE and draws a new seed each time (WAFERSIM_FUZZ_SEED replays one: fast-check
 * prints the seed and path of a failing input).
 */
export const SCALE = Number(process.env["WAFERSIM_FUZZ_SCALE"] ?? 1);
export const SEED = process.env["WAFERSIM_FUZZ_SEED"] !== undefined ? Number(process.env["WAFERSIM_FUZZ_SEED"]) : SCALE > 1 ? Date.now() % 2 ** 31 : 13;

export function runs(n: number): { seed: number; numRuns: number; endOnFailure: true } {
  return { seed: SEED, numRuns: Math.max(1, Math.round(n * SCALE)), endOnFailure: true };
}

/**
 * Generous bounds that tell a hang or a runaway allocation from ordinary work (one input takes
 * milliseconds; a bug made one take 40 s and 4.8 GB): these are not speed targets.
 */
const HANG_SECONDS = 10;
const HEAP_BYTES = 2e9;
/** A problem line: every part clipped by formatIssue (file 160, path 80, got 80, problem/expected/hint 400 each). */
const MAX_LINE = 1600;

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly Issue[] };

/** Every problem of bad input is named, on one line, and bounded. */
export function checkIssues(issues: readonly Issue[]): void {
  if (issues.length === 0) throw new Error("an InputError without a problem");
  for (const i of issues) {
    const line = formatIssue(i);
    if (i.file === "" || i.problem === "") throw new Error(`a problem without a file or a description: ${line}`);
    if (/[\n\r]/.test(line)) throw new Error(`a problem over several lines: ${JSON.stringify(line.slice(0, 300))}`);
    if (line.length > MAX_LINE) throw new Error(`a problem line of ${line.length} characters`);
  }
}

function checkBounds(start: number, what: string): void {
  const seconds = (performance.now() - start) / 1000;
  if (seconds > HANG_SECONDS) throw new Error(`${what} took ${seconds.toFixed(1)} s: work is not bounded`);
  const heap = process.memoryUsage().heapUsed;
  if (heap > HEAP_BYTES) throw new Error(`${what} left ${(heap / 1e9).toFixed(1)} GB on the heap`);
}

function settle<T>(value: T, start: number, what: string): Outcome<T> {
  checkBounds(start, what);
  const bad = nonFiniteNumbers(value);
  if (bad.length > 0) throw new Error(`${what}: a result is not finite: ${bad.map((b) => `${b.path} = ${b.value}`).join(", ")}`);
  return { ok: true, value };
}

function refused<T>(err: unknown, start: number, what: string): Outcome<T> {
  checkBounds(start, what);
  if (!(err instanceof InputError)) throw err;
  checkIssues(err.issues);
  return { ok: false, issues: err.issues };
}

/** Runs `fn`: finite results, or bad input with named one-line problems; within the bounds. Anything else fails. */
export function outcome<T>(what: string, fn: () => T): Outcome<T> {
  const start = performance.now();
  try {
    return settle(fn(), start, what);
  } catch (err) {
    return refused(err, start, what);
  }
}

export async function outcomeAsync<T>(what: string, fn: () => Promise<T>): Promise<Outcome<T>> {
  const start = performance.now();
  try {
    return settle(await fn(), start, what);
  } catch (err) {
    return refused(err, start, what);
  }
}

/** Numbers a user or a broken file may write: edges, huge, tiny, negative, fractional, not finite. */
export const anyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -3, max: 300 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 0.5, 1.5, 2.5, 1e308, -1e308, 2 ** 31, 2 ** 31 - 1, 2 ** 53, 2 ** 20 + 1, 1e9, 1e-300, 5e-324, Number.NaN, Infinity, -Infinity),
);

/** Any JSON-ish value a field may hold instead of the right one. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: anyNumber },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom("x2", "x1e308", "0x10", "1e999", "", " ", "auto", "native", "none", "NaN", "__proto__") },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: -2, max: 100 }), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom("a", "value", "source"), fc.integer(), { maxKeys: 2 }) },
);

/** A number as text, as a data file or a flag would carry it. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  anyNumber.map((n) => String(n)),
  fc.constantFrom("0x1", "0b1", "1e3", "1E-3", ".5", "5.", "-0", "+1", "1_000", "1,000", " 3 ", "", "1e400", "-1e400", "٣"),
);

const UNITS: readonly string[] = ["B", "kB", "MB", "GB", "TB", "PB", "GiB", "KB", "B/s", "GB/s", "TB/s", "PB/s", "Tb/s", "Gb/s", "s", "ms", "us", "ns", "FLOP/s", "TFLOP/s", "PFLOP/s", "W", "kW", "Hz", "GHz", "m", "parsecs", "", "B/s/s"];

/** A quantity as a data file carries it ("21 PB/s"), with any number and any unit, right or wrong. */
export const quantityText: fc.Arbitrary<string> = fc.tuple(
  fc.oneof(numberText, fc.double({ min: 1e-30, max: 1e30, noNaN: true }).map(String)),
  fc.constantFrom(...UNITS),
).map(([n, u]) => (u === "" ? n : `${n} ${u}`));

/** Sets `value` at a dotted path of a deep copy of `obj`. */
export function withField<T>(obj: T, path: readonly string[], value: unknown): T {
  const copy = structuredClone(obj) as Record<string, unknown>;
  let node = copy;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (next === null || typeof next !== "object" || Array.isArray(next)) node[seg] = {};
    node = node[seg] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  // An own property even for "__proto__": a hostile file holds that key as data.
  if (value === undefined) delete node[last];
  else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  return copy as T;
}

/** Every dotted path to a leaf of plain data. */
export function leafPaths(obj: unknown, prefix: readonly string[] = []): string[][] {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return [[...prefix]];
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

/** `data` as the text of a file: JSON for .json (NaN and Infinity become null there), YAML otherwise (.nan, .inf). */
export function fileText(file: string, data: unknown): string {
  return file.endsWith(".json") ? JSON.stringify(data) : stringify(data);
}
