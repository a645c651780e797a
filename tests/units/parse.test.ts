import { describe, expect, it } from "vitest";
import { parseQuantity } from "../../src/units/parse.js";
import { formatSeconds, formatSi } from "../../src/units/format.js";

describe("parseQuantity", () => {
  it.each([
    // text, dimension, SI value, derivation
    ["44 GB", "bytes", 44e9, "decimal prefix: G = 1e9"],
    ["80 GiB", "bytes", 80 * 2 ** 30, "binary prefix only when written: Gi = 2^30"],
    ["48 kB", "bytes", 48e3, "k = 1e3"],
    ["21 PB/s", "bandwidth", 21e15, "P = 1e15 bytes per second"],
    ["214 Pb/s", "bandwidth", 214e15 / 8, "bits are an eighth of a byte"],
    ["1.2 Tb/s", "bandwidth", 1.2e12 / 8, "12 x 100 GbE = 150 GB/s"],
    ["2.5 us", "time", 2.5e-6, "micro = 1e-6"],
    ["2 ms", "time", 2e-3, "milli = 1e-3"],
    ["989 TFLOP/s", "compute", 989e12, "FLOP is a base unit with SI prefixes"],
    ["125 PFLOP/s", "compute", 125e15, "P = 1e15"],
    ["700 W", "power", 700, "watts"],
  ] as const)("%s as %s is %d (%s)", (text, dim, value, _derivation) => {
    const r = parseQuantity(text, dim);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toBeWithinRel(value, 1e-12);
  });

  it.each([
    ["21 PB", "bandwidth", "wrong dimension"],
    ["44 GB/s", "bytes", "wrong dimension"],
    ["2 us", "compute", "wrong dimension"],
    ["44", "bytes", "not a number followed by a unit"],
    ["lots GB", "bytes", "not a number followed by a unit"],
    ["48 KB", "bytes", "kilo is a lower-case k"],
    ["3 parsecs", "time", "unknown unit"],
    ["1e999 GB", "bytes", "not a finite number"],
    ["sqrt(4) GB", "bytes", "not a number followed by a unit"],
  ] as const)("%s as %s is refused (%s)", (text, dim, problem) => {
    const r = parseQuantity(text, dim);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toContain(problem);
  });
});

describe("formatting", () => {
  it.each([
    [21e15, "B/s", "21 PB/s"],
    [44e9, "B", "44 GB"],
    [989e12, "FLOP/s", "989 TFLOP/s"],
  ])("formatSi(%d, %s) = %s", (v, u, s) => expect(formatSi(v, u)).toBe(s));
  it.each([
    [0.00123, "1.23 ms"],
    [2.5e-6, "2.5 us"],
    [1.5, "1.5 s"],
    [150, "2.5 min"],
  ])("formatSeconds(%d) = %s", (v, s) => expect(formatSeconds(v)).toBe(s));
});
