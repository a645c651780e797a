import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { assertFinite, nonFiniteNumbers } from "../../src/io/finite.js";
import { issuesOf } from "../helpers.js";

describe("results are numbers", () => {
  it("finds NaN and Infinity anywhere in a result, with the path to each", () => {
    const result = {
      decode: { tokensPerSecondPerUser: 0 / 0, bound: "memory" },
      turns: [{ ttftSeconds: 0.5 }, { ttftSeconds: 1 / 0 }],
      parts: new Map([["prefill", -1 / 0]]),
      rows: new Float64Array([1, 2, Number.NaN]),
    };
    expect(nonFiniteNumbers(result)).toEqual([
      { path: "decode.tokensPerSecondPerUser", value: Number.NaN },
      { path: "turns[1].ttftSeconds", value: Infinity },
      { path: "parts.prefill", value: -Infinity },
      { path: "rows[2]", value: Number.NaN },
    ]);
  });

  it("passes a finite result through unchanged, and stops after a few findings", () => {
    const ok = { a: 1, b: [2, { c: -3e300 }], d: "NaN", e: null, f: true };
    expect(assertFinite(ok, "predict")).toBe(ok);
    expect(nonFiniteNumbers(Array.from({ length: 100 }, () => Number.NaN), 3)).toHaveLength(3);
  });

  it("walks a deep or self-referencing result without overflowing the stack", () => {
    let deep: unknown = Number.NaN;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nonFiniteNumbers(deep)).toHaveLength(1);
    const loop: Record<string, unknown> = { x: 1 };
    loop["self"] = loop;
    expect(nonFiniteNumbers(loop)).toEqual([]);
  });

  it("turns a non-finite result into bad input naming the command and the field", () => {
    expect(() => assertFinite({ prefill: { seconds: Number.NaN } }, "predict")).toThrow(InputError);
    const [issue] = issuesOf(() => assertFinite({ prefill: { seconds: Number.NaN } }, "predict"));
    expect(issue).toMatchObject({ file: "predict", path: "prefill.seconds", problem: "the result is not a finite number", got: "NaN" });
  });
});
