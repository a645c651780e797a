import { statSync } from "node:fs";
import { InputError, show, type Issue } from "../errors.js";
import { readText } from "../io/read.js";

/**
 * Request traces: CSV (with a header line) or JSONL (one object per line), with an arrival
 * time, prompt tokens and output tokens per request. Column names are accepted as the public
 * traces spell them:
 * - Azure LLM inference traces (2023/2024): TIMESTAMP ("2023-11-16 18:15:46.6805900"),
 *   ContextTokens, GeneratedTokens;
 * - BurstGPT: Timestamp (seconds), Request tokens, Response tokens (other columns ignored);
 * - our own: arrivalSeconds, promptTokens, outputTokens.
 * Times become seconds after the earliest request. Every bad row is reported (file, line,
 * column, value), up to a limit.
 */
export interface TraceRow {
  readonly t: number;
  readonly prompt: number;
  readonly output: number;
}

const TIME = ["TIMESTAMP", "Timestamp", "arrivalSeconds"];
const PROMPT = ["ContextTokens", "Request tokens", "promptTokens"];
const OUTPUT = ["GeneratedTokens", "Response tokens", "outputTokens"];
/** The largest trace read: 10 million rows, 2 GB (checked before reading). */
export const MAX_TRACE_ROWS = 10_000_000;
const MAX_TRACE_BYTES = 2e9;
const MAX_ISSUES = 20;

/** "2023-11-16 18:15:46.6805900" (or with a T, or a Z) as seconds since 1970, UTC; a number as seconds. */
function timeOf(raw: string | number): number {
  if (typeof raw === "number") return raw;
  const s = raw.trim();
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(s)) return Number(s);
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]00:?00)?$/.exec(s);
  if (!m) return NaN;
  const base = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
  return base + (m[7] ? Number(m[7]) : 0);
}

/** Splits one CSV line (quotes allowed around a field, "" inside quotes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = "";
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') { v += '"'; i += 2; } else if (line[i] === '"') { i++; break; } else v += line[i++];
      }
      out.push(v);
      if (line[i] === ",") i++; else break;
    } else {
      const j = line.indexOf(",", i);
      if (j < 0) { out.push(line.slice(i)); break; }
      out.push(line.slice(i, j));
      i = j + 1;
    }
  }
  return out.map((f) => f.trim());
}

export function readTrace(file: string, flag = "--trace"): TraceRow[] {
  let size = 0;
  try { size = statSync(file).size; } catch { /* readText names the problem */ }
  if (size > MAX_TRACE_BYTES) throw new InputError([{ file, path: "", problem: "trace file too large", got: `${size} bytes`, expected: `at most ${MAX_TRACE_BYTES} bytes (${MAX_TRACE_ROWS} requests)` }]);
  const text = readText(file);
  const lines = text.split(/\r?\n/);
  const issues: Issue[] = [];
  const rows: TraceRow[] = [];
  const jsonl = /\.jsonl$/i.test(file) || lines.find((l) => l.trim() !== "")?.trim().startsWith("{") === true;
  let cols: { t: number; p: number; o: number; names: [string, string, string] } | undefined;
  const bad = (line: number, column: string, value: unknown, problem: string, expected: string) => {
    if (issues.length < MAX_ISSUES) issues.push({ file, path: `line ${line}: ${column}`, problem, got: show(value), expected });
  };
  const whole = (line: number, column: string, raw: unknown, min: number): number => {
    const v = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(v) || v < min) { bad(line, column, raw, "not a whole number of tokens in range", `a whole number >= ${min}`); return NaN; }
    return v;
  };
  const pick = (names: readonly string[], have: readonly string[]) => names.find((n) => have.includes(n));
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const n = i + 1;
    if (line.trim() === "") continue;
    let tRaw: unknown;
    let pRaw: unknown;
    let oRaw: unknown;
    let names: [string, string, string];
    if (jsonl) {
      let obj: unknown;
      try { obj = JSON.parse(line); } catch { bad(n, "(line)", line, "not a JSON object", "one JSON object per line"); continue; }
      if (obj === null || typeof obj !== "object" || Array.isArray(obj)) { bad(n, "(line)", line, "not a JSON object", "one JSON object per line"); continue; }
      const keys = Object.keys(obj);
      const tk = pick(TIME, keys);
      const pk = pick(PROMPT, keys);
      const ok = pick(OUTPUT, keys);
      if (!tk || !pk || !ok) { bad(n, "(line)", line, "missing a column", `an arrival time (${TIME.join(" | ")}), prompt tokens (${PROMPT.join(" | ")}) and output tokens (${OUTPUT.join(" | ")})`); continue; }
      const o = obj as Record<string, unknown>;
      [tRaw, pRaw, oRaw, names] = [o[tk], o[pk], o[ok], [tk, pk, ok]];
    } else {
      const fields = csvFields(line);
      if (!cols) {
        const tk = pick(TIME, fields);
        const pk = pick(PROMPT, fields);
        const ok = pick(OUTPUT, fields);
        if (!tk || !pk || !ok) {
          throw new InputError([{ file, path: "line 1 (header)", problem: "missing a column", got: show(line), expected: `a header naming an arrival time (${TIME.join(" | ")}), prompt tokens (${PROMPT.join(" | ")}) and output tokens (${OUTPUT.join(" | ")})`, hint: "Azure traces: TIMESTAMP,ContextTokens,GeneratedTokens; BurstGPT: Timestamp, Request tokens, Response tokens" }]);
        }
        cols = { t: fields.indexOf(tk), p: fields.indexOf(pk), o: fields.indexOf(ok), names: [tk, pk, ok] };
        continue;
      }
      [tRaw, pRaw, oRaw, names] = [fields[cols.t], fields[cols.p], fields[cols.o], cols.names];
    }
    const t = typeof tRaw === "string" || typeof tRaw === "number" ? timeOf(tRaw) : NaN;
    if (!Number.isFinite(t)) bad(n, names[0], tRaw, "not a time", 'seconds, or a date and time such as "2023-11-16 18:15:46.6805900"');
    const p = whole(n, names[1], pRaw, 1);
    const o = whole(n, names[2], oRaw, 1);
    if (Number.isFinite(t) && Number.isFinite(p) && Number.isFinite(o)) rows.push({ t, prompt: p, output: o });
    if (rows.length > MAX_TRACE_ROWS) throw new InputError([{ file, path: "", problem: "too many requests", got: `more than ${MAX_TRACE_ROWS}`, expected: `at most ${MAX_TRACE_ROWS} rows` }]);
  }
  if (issues.length > 0) {
    if (issues.length === MAX_ISSUES) issues.push({ file, path: "", problem: `stopped after ${MAX_ISSUES} problems` });
    throw new InputError(issues);
  }
  if (rows.length === 0) throw new InputError([{ file, path: "", problem: "no requests", expected: "at least one row", hint: `${flag} needs a CSV with a header line, or JSONL` }]);
  rows.sort((a, b) => a.t - b.t);
  const t0 = rows[0]!.t;
  return rows.map((r) => ({ t: r.t - t0, prompt: r.prompt, output: r.output }));
}
