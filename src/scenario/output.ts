import { inputError } from "../errors.js";
import { isFiniteNumber, nonFiniteNote } from "../io/finite.js";
import { BOUNDS, M } from "./fast.js";
import type { Plan } from "./plan.js";
import type { RunProvenance } from "./provenance.js";

export const FORMATS = ["csv", "json", "jsonl", "parquet"] as const;
export type Format = (typeof FORMATS)[number];
/** The formats written as text rows: shards and merge work on these. */
export type TextFormat = Exclude<Format, "parquet">;

/**
 * What a sweep's output says about itself, so that a chart or a reader can name where its
 * numbers come from. Nothing in it changes between runs of the same scenario (no date, no host,
 * no path), so workers, shards and machines write the same bytes.
 */
export interface SweepMeta extends RunProvenance {
  /** the scenario's file name */
  readonly scenario: string;
  /** sha256 of every file of the scenario's extends chain (names and contents) */
  readonly scenarioHash: string;
  /** the --set what-ifs laid over the scenario, as given (absent when none) */
  readonly set?: readonly string[];
  readonly columns: readonly string[];
  readonly points: number;
}

/** How a metric column is written: a number, the decode bound by name, or memory.fits as a boolean. */
export const Kind = { Number: 0, Bound: 1, Fits: 2 } as const;

/**
 * The columns one sweep writes, decided once: every axis, the metrics asked for (`--columns`,
 * all of the plan's metrics by default) in the order asked, then `note`.
 */
export interface Layout {
  readonly format: Format;
  readonly columns: readonly string[];
  readonly metrics: readonly string[];
  /** per metric column: its index in plan.out, and how it is written */
  readonly slots: Int32Array;
  readonly kinds: Uint8Array;
  /** indices of the numeric metric columns in plan.out (for the finite check's note) */
  readonly numericSlots: Int32Array;
  /** every column as a JSON key with its colon */
  readonly jsonKeys: readonly string[];
}

/** Parses `--columns a,b,c` against the metrics a plan has; unknown, repeated or no names are refused with the list. */
export function parseColumns(text: string, available: readonly string[]): string[] {
  const names = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const unknown = names.filter((n) => !available.includes(n));
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (names.length === 0 || unknown.length > 0 || twice.length > 0) {
    throw inputError({
      file: "--columns", path: "",
      problem: names.length === 0 ? "no metric named" : unknown.length > 0 ? `unknown metric${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => JSON.stringify(n)).join(", ")}` : `named twice: ${[...new Set(twice)].join(", ")}`,
      got: JSON.stringify(text), expected: `metrics separated by commas, from ${available.join(", ")} (the swept keys and note are always written)`,
    });
  }
  return names;
}

export function layoutOf(plan: Plan, format: Format, metrics: readonly string[] = plan.metrics): Layout {
  const slots = Int32Array.from(metrics, (m) => plan.metrics.indexOf(m));
  const prediction = plan.kind === "prediction";
  const kinds = Uint8Array.from(slots, (s) => (prediction && s === M.bound ? Kind.Bound : prediction && s === M.fits ? Kind.Fits : Kind.Number));
  const columns = [...plan.axes.map((a) => a.key), ...metrics, "note"];
  return { format, columns, metrics, slots, kinds, numericSlots: slots.filter((_, j) => kinds[j] === Kind.Number), jsonKeys: columns.map((c) => `${JSON.stringify(c)}:`) };
}

/**
 * Sweep output is `begin + body(0, total) + end`, and a body of points [s, e) depends only
 * on s and e (row i of JSON carries its own leading separator when i > 0). So bodies of
 * consecutive ranges concatenate to the body of their union: workers and shards compose into
 * byte-identical output by construction.
 *
 * Numbers are written in full (exactText: text that reads back as the same double), in SI
 * units. A value that is not a finite number is never written as one: it is an empty CSV cell
 * or null, and the row's note says why (the point cannot run on that deployment, or which
 * columns were not finite). Notes are one line.
 *
 * Each format names the sweep's provenance (SweepMeta) first: CSV in one `# {...}` comment line
 * before the header (pandas: `comment="#"` or `skiprows=1`), JSON as `{"meta": {...}, "points": [...]}`,
 * JSON lines in a first line `{"meta": {...}}`.
 */
export function begin(layout: Pick<Layout, "format" | "columns">, meta: SweepMeta): string {
  const m = JSON.stringify(meta);
  if (layout.format === "csv") return `# ${m}\n${layout.columns.map(csvEscape).join(",")}\n`;
  if (layout.format === "json") return `{"meta":${m},"points":[\n`;
  return `{"meta":${m}}\n`;
}

export function end(layout: Pick<Layout, "format">, total: number): string {
  if (layout.format === "json") return total > 0 ? "\n]}\n" : "]}\n";
  return "";
}

export function csvEscape(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A note as one line: line breaks in an engine message become spaces, so every row is one line. */
function oneLine(note: string): string {
  return /[\r\n]/.test(note) ? note.replace(/[\r\n]+/g, " ") : note;
}

/**
 * A finite number as text that reads back as the same double: whole numbers as String gives
 * them, others with 17 significant digits (enough for every double) less trailing zeros. It is
 * not always the shortest such text (String's: 0.0003691685056554829 is written
 * 0.00036916850565548289), but it takes half of String's time, and formatting numbers is most of
 * a sweep's time (bench/sweep.js).
 */
export function exactText(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const s = v.toPrecision(17);
  const e = s.indexOf("e");
  const m = e < 0 ? s : s.slice(0, e);
  let end = m.length;
  while (m.charCodeAt(end - 1) === 48) end--; // "0"
  if (m.charCodeAt(end - 1) === 46) end--; // "."
  return e < 0 ? m.slice(0, end) : m.slice(0, end) + s.slice(e);
}

/**
 * Number-to-text with a memory of the last value per column: many columns repeat from row to
 * row (chips, parameters, the bound).
 */
class Texts {
  private readonly last: Float64Array;
  private readonly text: string[];
  constructor(n: number) {
    this.last = new Float64Array(n).fill(NaN);
    this.text = new Array<string>(n).fill("");
  }
  of(j: number, v: number): string {
    if (v === this.last[j]) return this.text[j]!;
    this.last[j] = v;
    return (this.text[j] = exactText(v));
  }
}

/**
 * The row's note: the evaluator's reason when the point cannot run, otherwise which numeric
 * columns are not finite ("" when every one is).
 */
function noteOf(plan: Plan, layout: Layout, note: string): string {
  if (note !== "") return oneLine(note);
  const out = plan.out;
  const ns = layout.numericSlots;
  for (let j = 0; j < ns.length; j++) if (!isFiniteNumber(out[ns[j]!]!)) return nonFiniteNote(plan.metrics, out, ns);
  return "";
}

/**
 * Rows [start, stop) as columns: per axis the index of each row's value, per metric column its
 * values (not finite ones as they are: every writer makes them null or empty), and each row's
 * note (null when empty; it names the columns that are not finite, checked before any writing).
 */
export interface ColumnChunk {
  readonly start: number;
  readonly axes: Int32Array<ArrayBuffer>[];
  readonly values: Float64Array<ArrayBuffer>[];
  readonly notes: (string | null)[];
}

export function columnsOf(plan: Plan, layout: Layout, start: number, stop: number): ColumnChunk {
  const rows = stop - start;
  const nAxes = plan.axes.length;
  const axes = Array.from({ length: nAxes }, () => new Int32Array(rows));
  const values = Array.from(layout.slots, () => new Float64Array(rows));
  const notes = new Array<string | null>(rows);
  const out = plan.out;
  const slots = layout.slots;
  for (let r = 0; r < rows; r++) {
    const raw = plan.evaluateInto(start + r);
    const idx = plan.currentIndices;
    for (let a = 0; a < nAxes; a++) axes[a]![r] = idx[a]!;
    for (let j = 0; j < slots.length; j++) values[j]![r] = out[slots[j]!]!;
    const note = noteOf(plan, layout, raw);
    notes[r] = note === "" ? null : note;
  }
  return { start, axes, values, notes };
}

/**
 * Renders rows [start, stop) of a plan in a text format. The points are evaluated into columns
 * first and formatted after (columnsOf, then rowsText): the engine and the number formatting
 * each run a thousand times in a row, which is a fifth faster than taking turns point by point.
 */
export function body(plan: Plan, layout: Layout, start: number, stop: number): string {
  return rowsText(plan, layout, columnsOf(plan, layout, start, stop));
}

/** A chunk of columns as rows of text: CSV, JSON (row i > 0 led by ",\n") or JSON lines. */
export function rowsText(plan: Pick<Plan, "csvCells" | "jsonCells">, layout: Layout, c: ColumnChunk): string {
  const nAxes = c.axes.length;
  const { kinds } = layout;
  const n = kinds.length;
  const texts = new Texts(n);
  const csv = layout.format === "csv";
  const json = layout.format === "json";
  const cells = csv ? plan.csvCells : plan.jsonCells;
  const keys = csv ? layout.columns.map(() => "") : layout.jsonKeys;
  const empty = csv ? "" : "null";
  const bounds = BOUNDS.map((b) => (csv ? b : `"${b}"`));
  const rows = c.notes.length;
  let s = "";
  for (let r = 0; r < rows; r++) {
    const i = c.start + r;
    let line = csv ? "" : json ? (i === 0 ? "{" : ",\n{") : "{";
    for (let a = 0; a < nAxes; a++) line += cells[a]![c.axes[a]![r]!]!;
    // Repeats within a row (ttftSeconds is prefill.seconds without a stack) are formatted once.
    let prev = NaN;
    let prevText = "";
    for (let j = 0; j < n; j++) {
      const v = c.values[j]![r]!;
      let t: string;
      const k = kinds[j];
      if (k === Kind.Number) {
        if (!isFiniteNumber(v)) t = empty;
        else if (v === prev) t = prevText;
        else { t = texts.of(j, v); prev = v; prevText = t; }
      } else if (k === Kind.Bound) t = v >= 0 ? bounds[v]! : empty;
      else t = v === 1 ? "true" : v === 0 ? "false" : empty;
      line += csv ? t + "," : keys[nAxes + j]! + t + ",";
    }
    const note = c.notes[r] ?? "";
    if (csv) line += note === "" ? "\n" : `${csvEscape(note)}\n`;
    else line += `${keys[nAxes + n]}${JSON.stringify(note)}}${json ? "" : "\n"}`;
    s += line;
  }
  return s;
}
