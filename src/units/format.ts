/** Formatting SI numbers for people: "21 PB/s", "44 GB", "1.23 ms", "2,140". No mathjs. */

const PREFIXES: ReadonlyArray<readonly [number, string]> = [
  [1e18, "E"], [1e15, "P"], [1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"], [1, ""],
];

/** Thousands separators without Intl (whose first use costs ~25 ms of start-up). */
function group(text: string): string {
  const [int = "", frac] = text.split(".");
  const sign = int.startsWith("-") ? "-" : "";
  const digits = sign ? int.slice(1) : int;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return sign + grouped + (frac !== undefined ? `.${frac}` : "");
}

function sig(x: number, digits = 3): string {
  if (x === 0) return "0";
  const s = Number(x.toPrecision(digits));
  return group(Math.abs(s) >= 1e21 ? s.toExponential() : String(Number(s.toFixed(6))));
}

/** A value with a decimal SI prefix on `unit`, e.g. formatSi(2.1e16, "B/s") = "21 PB/s". */
export function formatSi(value: number, unit: string, digits = 3): string {
  const abs = Math.abs(value);
  for (const [factor, prefix] of PREFIXES) {
    if (abs >= factor) return `${sig(value / factor, digits)} ${prefix}${unit}`;
  }
  return `${sig(value, digits)} ${unit}`;
}

/** Seconds in the most readable of s, ms, us, ns. */
export function formatSeconds(value: number, digits = 3): string {
  const abs = Math.abs(value);
  if (abs >= 120) return `${sig(value / 60, digits)} min`;
  if (abs >= 1) return `${sig(value, digits)} s`;
  if (abs >= 1e-3) return `${sig(value * 1e3, digits)} ms`;
  if (abs >= 1e-6) return `${sig(value * 1e6, digits)} us`;
  return `${sig(value * 1e9, digits)} ns`;
}

/** A plain count with thousands separators, rounded to `digits` significant digits. */
export function formatCount(value: number, digits = 4): string {
  if (Math.abs(value) >= 10 ** digits) return group(String(Math.round(value)));
  return sig(value, digits);
}

/** Parameters as "8.03 B" / "116.8 B" / "1.03 T". */
export function formatParams(value: number): string {
  if (value >= 1e12) return `${sig(value / 1e12, 3)} T`;
  if (value >= 1e9) return `${sig(value / 1e9, 3)} B`;
  return `${sig(value / 1e6, 3)} M`;
}
