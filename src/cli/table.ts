import type { Band } from "../engine/types.js";
import { timeUnit } from "../charts/format.js";
import { formatCount, formatSeconds, formatSi } from "../units/format.js";

/**
 * Plain-text tables for people: left-aligned text, right-aligned numbers, fitted to a width.
 * A table wider than the width first wraps the words of its widest text columns, and when that
 * is not enough it is cut into blocks of columns, each repeating the first column so every row
 * is still named. Headers are never cut, so a column can be found by its name.
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], alignRight: readonly boolean[] = [], maxWidth = terminalWidth()): string {
  const natural = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  if (total(natural) <= maxWidth) return layout(headers, rows, alignRight, natural, false);
  const floorOf = (i: number) => Math.max(12, longestWord(headers[i]!), ...rows.map((r) => longestWord(r[i] ?? "")));
  // the first column names the row: it stays whole
  const wrappable = headers.map((_, i) => i > 0 && !alignRight[i] && rows.some((r) => /\s/.test(r[i] ?? "")));
  const widths = [...natural];
  // 1. text columns wrap their words, the widest first, one character at a time (down to their longest word, at least 12)
  for (;;) {
    if (total(widths) <= maxWidth) return layout(headers, rows, alignRight, widths, true);
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      if (wrappable[i] && widths[i]! > floorOf(i) && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    }
    if (widest < 0) break;
    widths[widest]!--;
  }
  // 2. blocks of columns, each with the first column again
  const blocks: number[][] = [];
  let block: number[] = [0];
  for (let i = 1; i < headers.length; i++) {
    if (block.length > 1 && total([...block, i].map((j) => widths[j]!)) > maxWidth) {
      blocks.push(block);
      block = [0];
    }
    block.push(i);
  }
  blocks.push(block);
  const pick = <T>(xs: readonly T[], b: readonly number[]) => b.map((j) => xs[j]!);
  // each block laid out on its own: its text columns take the room the others left
  return blocks.map((b) => renderTable(pick(headers, b), rows.map((r) => pick(r, b)), pick(headers.map((_, j) => alignRight[j] ?? false), b), maxWidth)).join("\n\n");
}

/** The width tables fit: the terminal's when output goes to one, else 120 columns. */
export function terminalWidth(): number {
  const c = process.stdout.isTTY ? process.stdout.columns : undefined;
  return typeof c === "number" && c >= 40 ? c : 120;
}

/** Prose after a table, wrapped at words to the same width. */
export function paragraph(text: string, maxWidth = terminalWidth()): string {
  return wrap(text, maxWidth).join("\n");
}

function total(widths: readonly number[]): number {
  return widths.reduce((a, w) => a + w, 0) + 2 * Math.max(0, widths.length - 1);
}

function longestWord(s: string): number {
  return Math.max(0, ...s.split(/\s+/).map((w) => w.length));
}

/** Words of `s` in lines of at most `width` characters (a longer word stands alone). */
function wrap(s: string, width: number): string[] {
  if (s.length <= width) return [s];
  const lines: string[] = [];
  let line = "";
  for (const w of s.split(/\s+/)) {
    if (line !== "" && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line === "" ? w : `${line} ${w}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

function layout(headers: readonly string[], rows: readonly (readonly string[])[], alignRight: readonly boolean[], widths: readonly number[], wrapCells: boolean): string {
  const physical = (cells: readonly string[], bottom: boolean): string[] => {
    const parts = cells.map((c, i) => (wrapCells ? wrap(c, widths[i]!) : [c]));
    const height = Math.max(1, ...parts.map((p) => p.length));
    const out: string[] = [];
    for (let k = 0; k < height; k++) {
      // headers sit on their last line (next to the rule), cells start on the first
      const at = (p: readonly string[]) => (bottom ? p[k - (height - p.length)] : p[k]) ?? "";
      out.push(parts.map((p, i) => (alignRight[i] ? at(p).padStart(widths[i]!) : at(p).padEnd(widths[i]!))).join("  ").trimEnd());
    }
    return out;
  };
  return [...physical(headers, true), widths.map((w) => "-".repeat(w)).join("  "), ...rows.flatMap((r) => physical(r, false))].join("\n");
}

// ---- cells: a zero prints as 0, a missing or non-finite value as "-" (never NaN) ----

const finite = (v: number | null | undefined): v is number => typeof v === "number" && Number.isFinite(v);

export function secondsCell(v: number | null | undefined): string {
  return !finite(v) ? "-" : v === 0 ? "0" : formatSeconds(v);
}

export function countCell(v: number | null | undefined, digits = 4): string {
  return !finite(v) ? "-" : formatCount(v, digits);
}

export function siCell(v: number | null | undefined, unit: string): string {
  return !finite(v) ? "-" : v === 0 ? "0" : formatSi(v, unit);
}

/** A share (0.25) as a percentage ("25.0%"); zero as 0. */
export function shareCell(v: number | null | undefined): string {
  return !finite(v) ? "-" : v === 0 ? "0" : `${(100 * v).toFixed(1)}%`;
}

/**
 * A value with its error band when there is one: "1,780 tok/s (1,510-2,050)". The band's ends
 * are printed in the value's unit so the three read alike.
 */
export function withBand(value: number, band: Band | undefined, kind: "rate" | "time", unitText = "tok/s"): string {
  if (kind === "time") {
    const t = timeUnit(value);
    const f = (x: number) => formatCount(x * t.factor, 3);
    const main = value === 0 ? "0" : `${f(value)} ${t.unit}`;
    return band && finite(band.low) && finite(band.high) ? `${main} (${f(band.low)}-${f(band.high)})` : main;
  }
  const main = `${formatCount(value)}${unitText ? ` ${unitText}` : ""}`;
  return band && finite(band.low) && finite(band.high) ? `${main} (${formatCount(band.low)}-${formatCount(band.high)})` : main;
}
