import { createRequire } from "node:module";
import type { MathJsInstance, Unit } from "mathjs";
import { DIMENSIONS, type Dimension } from "./dimensions.js";

/**
 * Parses quantity strings such as "21 PB/s" with mathjs `unit()` and checks the dimension.
 * mathjs is loaded lazily (its single-file bundle, ~0.1 s) and only here: the engine works
 * on the SI numbers this returns. `unit()` parses a number and a unit; it evaluates nothing.
 */

let instance: MathJsInstance | undefined;
const references = new Map<Dimension, Unit>();

function math(): MathJsInstance {
  if (instance) return instance;
  const require = createRequire(import.meta.url);
  // The browser bundle is one file and loads ~10x faster than the ESM tree.
  const bundle = require("mathjs/lib/browser/math.js") as typeof import("mathjs");
  const m = bundle.create(bundle.all!, {});
  // FLOP is not a mathjs unit: a new base unit with SI prefixes (TFLOP, PFLOP).
  m.createUnit("FLOP", { prefixes: "short", aliases: ["flop"] });
  instance = m;
  return m;
}

function reference(dim: Dimension): Unit {
  let ref = references.get(dim);
  if (!ref) {
    ref = math().unit(DIMENSIONS[dim].si);
    references.set(dim, ref);
  }
  return ref;
}

export type ParseResult = { ok: true; value: number } | { ok: false; problem: string; expected: string };

/** Binary (GiB) and decimal (GB) prefixes are as written; "KB" is not a unit (use kB). */
export function parseQuantity(text: string, dim: Dimension): ParseResult {
  const spec = DIMENSIONS[dim];
  const expected = `${spec.label}, e.g. "${spec.example}"`;
  const trimmed = text.trim();
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*[A-Za-zµ][A-Za-z0-9µ/^ *]*$/.test(trimmed)) {
    return { ok: false, problem: "not a number followed by a unit", expected };
  }
  let u: Unit;
  try {
    u = math().unit(trimmed);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const hint = /"KB"/.test(msg) ? ' (kilo is a lower-case k: "kB")' : "";
    return { ok: false, problem: `unknown unit: ${msg}${hint}`, expected };
  }
  if (!u.equalBase(reference(dim))) {
    return { ok: false, problem: `wrong dimension`, expected };
  }
  const value = u.toNumber(spec.si);
  if (!Number.isFinite(value)) return { ok: false, problem: "not a finite number", expected };
  return { ok: true, value };
}
