import { inputError } from "../errors.js";

/** Strict parsers for command-line numbers: "1.5" is not a batch, "-2" is not a count. */
export function wholeNumber(flag: string, min = 1) {
  return (text: string): number => {
    const v = Number(text);
    if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v) || v < min) {
      throw inputError({ file: flag, path: "", problem: "not a whole number in range", got: JSON.stringify(text), expected: `a whole number >= ${min}` });
    }
    return v;
  };
}

/** A probability from 0 to 1; `aboveZero` for rates that divide (a success rate of 0 never ends). */
export function fraction(flag: string, opts: { aboveZero?: boolean } = {}) {
  return (text: string): number => {
    const v = Number(text);
    if (text.trim() === "" || !Number.isFinite(v) || v < 0 || v > 1 || (opts.aboveZero && v === 0)) {
      throw inputError({ file: flag, path: "", problem: opts.aboveZero ? "not a number above 0 and at most 1" : "not a number from 0 to 1", got: JSON.stringify(text), expected: "a probability such as 0.7" });
    }
    return v;
  };
}
