import { BOUNDS, M, METRICS } from "./fast.js";
import type { Plan } from "./plan.js";

export const FORMATS = ["csv", "json", "jsonl"] as const;
export type Format = (typeof FORMATS)[number];

/**
 * Sweep output is `begin + body(0, total) + end`, and a body of points [s, e) depends only
 * on s and e (row i of JSON carries its own leading separator when i > 0). So bodies of
 * consecutive ranges concatenate to the body of their union: workers and shards compose into
 * byte-identical output by construction. Numbers are written in full (shortest round-trip
 * form), in SI units; NaN (a point that cannot run) is an empty CSV cell or JSON null.
 */
export function begin(format: Format, columns: readonly string[]): string {
  if (format === "csv") return `${columns.map(csvHeader).join(",")}\n`;
  if (format === "json") return "[\n";
  return "";
}

export function end(format: Format, total: number): string {
  if (format === "json") return total > 0 ? "\n]\n" : "]\n";
  return "";
}

function csvHeader(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function num(v: number, nullText: string): string {
  return v === v ? String(v) : nullText;
}

/** Renders rows [start, end) of a plan in a format. */
export function body(plan: Plan, format: Format, start: number, stop: number): string {
  if (plan.kind !== "prediction") return sessionBody(plan, format, start, stop);
  const out = plan.out;
  const nAxes = plan.axes.length;
  let s = "";
  if (format === "csv") {
    const cells = plan.csvCells;
    for (let i = start; i < stop; i++) {
      const note = plan.evaluateInto(i);
      const idx = plan.currentIndices;
      let line = "";
      for (let a = 0; a < nAxes; a++) line += `${cells[a]![idx[a]!]!},`;
      line += `${num(out[0]!, "")},${num(out[1]!, "")},${num(out[2]!, "")},${num(out[3]!, "")},${num(out[4]!, "")},`;
      line += `${out[M.bound]! >= 0 ? BOUNDS[out[M.bound]!] : ""},${num(out[6]!, "")},${num(out[7]!, "")},${num(out[8]!, "")},${num(out[9]!, "")},`;
      line += `${out[M.fits] === 1 ? "true" : out[M.fits] === 0 ? "false" : ""},${num(out[11]!, "")},${note === "" ? "" : csvHeader(note)}\n`;
      s += line;
    }
    return s;
  }
  const keys = plan.jsonKeys;
  const cells = plan.jsonCells;
  for (let i = start; i < stop; i++) {
    const note = plan.evaluateInto(i);
    const idx = plan.currentIndices;
    let line = format === "json" ? (i === 0 ? "{" : ",\n{") : "{";
    for (let a = 0; a < nAxes; a++) line += `${keys[a]}${cells[a]![idx[a]!]!},`;
    let k = nAxes;
    for (let j = 0; j < METRICS.length; j++) {
      const v = out[j]!;
      const text = j === M.bound ? (v >= 0 ? `"${BOUNDS[v]}"` : "null") : j === M.fits ? (v === 1 ? "true" : v === 0 ? "false" : "null") : num(v, "null");
      line += `${keys[k++]}${text},`;
    }
    line += `${keys[k]}${JSON.stringify(note)}}`;
    s += format === "jsonl" ? `${line}\n` : line;
  }
  return s;
}

/** Session rows: every metric a number (NaN as an empty cell or null). Sessions are slow; this loop is not the hot path. */
function sessionBody(plan: Plan, format: Format, start: number, stop: number): string {
  const out = plan.out;
  const nAxes = plan.axes.length;
  const nMetrics = plan.metrics.length;
  let s = "";
  for (let i = start; i < stop; i++) {
    const note = plan.evaluateInto(i);
    const idx = plan.currentIndices;
    let line: string;
    if (format === "csv") {
      line = "";
      for (let a = 0; a < nAxes; a++) line += `${plan.csvCells[a]![idx[a]!]!},`;
      for (let j = 0; j < nMetrics; j++) line += `${num(out[j]!, "")},`;
      line += `${note === "" ? "" : csvHeader(note)}\n`;
    } else {
      line = format === "json" ? (i === 0 ? "{" : ",\n{") : "{";
      for (let a = 0; a < nAxes; a++) line += `${plan.jsonKeys[a]}${plan.jsonCells[a]![idx[a]!]!},`;
      for (let j = 0; j < nMetrics; j++) line += `${plan.jsonKeys[nAxes + j]}${num(out[j]!, "null")},`;
      line += `${plan.jsonKeys[nAxes + nMetrics]}${JSON.stringify(note)}}`;
      if (format === "jsonl") line += "\n";
    }
    s += line;
  }
  return s;
}
