import { createHash, type Hash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, isAbsolute } from "node:path";
import { Worker } from "node:worker_threads";
import { InputError, inputError, type Issue } from "../errors.js";
import { checkOutput, errorCode, openOutput, type Output, type OutputOptions } from "../io/write.js";
import { countText, MAX_POINTS } from "./axes.js";
import { setLayers } from "../cli/set.js";
import { loadScenario, type Layer, type Scenario } from "./load.js";
import { begin, body, columnsOf, end, layoutOf, parseColumns, type ColumnChunk, type Format, type Layout, type SweepMeta, type TextFormat } from "./output.js";
import { ParquetSweep, ROW_GROUP } from "./parquet.js";
import { makePlan, type Plan } from "./plan.js";

export interface Shard { readonly k: number; readonly n: number }

/**
 * At most this many shards. merge checks every shard's number, so a header claiming 1e8 shards
 * (or --shard 1/100000000) is refused instead of looped over; 100,000 shards of the largest
 * sweep allowed by default (MAX_POINTS) are still 100 points each.
 */
export const MAX_SHARDS = 100_000;

const SHARD_EXPECTED = "K/N with 1 <= K <= N, e.g. 3/8, or auto (from a Slurm job array or a Kubernetes Indexed Job)";

function shardCountIssue(n: number, file: string, got: string): Issue | undefined {
  return n > MAX_SHARDS ? { file, path: "", problem: "too many shards", got, expected: `at most ${countText(MAX_SHARDS)} shards` } : undefined;
}

/** Parses `--shard K/N` (1 <= K <= N <= MAX_SHARDS). `auto` is shardFromEnv's. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || !(n >= 1) || !(k >= 1) || k > n) throw inputError({ file: "--shard", path: "", problem: "not a shard K/N", got: JSON.stringify(text), expected: SHARD_EXPECTED });
  const tooMany = shardCountIssue(n, "--shard", JSON.stringify(text));
  if (tooMany) throw new InputError([tooMany]);
  return { k, n };
}

/**
 * `--shard auto`: this process's shard from the batch system that started it.
 * - a Slurm job array (`sbatch --array=1-8`, or 0-7, or 0-70:10): shard
 *   (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP + 1 of
 *   SLURM_ARRAY_TASK_COUNT; SLURM_ARRAY_TASK_MAX, when set, must agree with them.
 * - a Kubernetes Indexed Job: shard JOB_COMPLETION_INDEX + 1 (the index counts from 0) of
 *   `--shard-count N` or WAFERSIM_SHARD_COUNT (Kubernetes does not pass the Job's completions
 *   to its pods).
 * Every missing, malformed or inconsistent variable is named, all at once.
 */
export function shardFromEnv(env: Readonly<Record<string, string | undefined>>, shardCount?: number): Shard {
  const issues: Issue[] = [];
  const whole = (name: string, required: boolean): number | undefined => {
    const v = env[name];
    if (v === undefined || v === "") {
      if (required) issues.push({ file: "--shard auto", path: name, problem: "not set", expected: "a whole number (set by the batch system)" });
      return undefined;
    }
    if (!/^\d+$/.test(v.trim())) { issues.push({ file: "--shard auto", path: name, problem: "not a whole number", got: JSON.stringify(v), expected: "a whole number >= 0" }); return undefined; }
    return Number(v.trim());
  };
  const slurm = env["SLURM_ARRAY_TASK_ID"] !== undefined;
  const k8s = env["JOB_COMPLETION_INDEX"] !== undefined;
  let shard: Shard | undefined;
  if (slurm && k8s) {
    issues.push({ file: "--shard auto", path: "", problem: "both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set", got: `${env["SLURM_ARRAY_TASK_ID"]} and ${env["JOB_COMPLETION_INDEX"]}`, expected: "the variables of one batch system", hint: "give the shard as --shard K/N" });
  } else if (slurm) {
    const id = whole("SLURM_ARRAY_TASK_ID", true);
    const count = whole("SLURM_ARRAY_TASK_COUNT", true);
    const min = whole("SLURM_ARRAY_TASK_MIN", true);
    const max = whole("SLURM_ARRAY_TASK_MAX", false);
    const step = whole("SLURM_ARRAY_TASK_STEP", false) ?? 1;
    if (id !== undefined && count !== undefined && min !== undefined) {
      const k = (id - min) / step + 1;
      if (step < 1 || count < 1 || !Number.isInteger(k) || k < 1 || k > count) {
        issues.push({ file: "--shard auto", path: "SLURM_ARRAY_TASK_ID", problem: "not a task of a contiguous job array", got: `${id} (min ${min}, step ${step}, count ${count})`, expected: `one of ${min}, ${min + step}, ... ${min + (count - 1) * step}`, hint: "submit the array as --array=1-N (or 0-(N-1))" });
      } else if (max !== undefined && max !== min + (count - 1) * step) {
        issues.push({ file: "--shard auto", path: "SLURM_ARRAY_TASK_MAX", problem: "does not match the count of tasks (an array with gaps, such as --array=1,3,8, cannot be sharded by its ids)", got: String(max), expected: `${min + (count - 1) * step} (min ${min} + (count ${count} - 1) x step ${step})`, hint: "submit the array as --array=1-N, or give --shard K/N" });
      } else if (shardCount !== undefined && shardCount !== count) {
        issues.push({ file: "--shard-count", path: "", problem: "differs from the job array's size", got: String(shardCount), expected: `${count} (SLURM_ARRAY_TASK_COUNT), or no --shard-count` });
      } else shard = { k, n: count };
    }
  } else if (k8s) {
    const index = whole("JOB_COMPLETION_INDEX", true);
    const fromEnv = whole("WAFERSIM_SHARD_COUNT", false);
    const n = shardCount ?? fromEnv;
    if (shardCount !== undefined && fromEnv !== undefined && shardCount !== fromEnv) {
      issues.push({ file: "--shard-count", path: "", problem: "differs from WAFERSIM_SHARD_COUNT", got: `${shardCount} and ${fromEnv}`, expected: "one count of shards" });
    } else if (n === undefined) {
      if (!issues.some((i) => i.path === "WAFERSIM_SHARD_COUNT")) issues.push({ file: "--shard auto", path: "", problem: "JOB_COMPLETION_INDEX is set but not the number of shards", expected: "--shard-count N, or WAFERSIM_SHARD_COUNT=N in the pod's env (the Job's completions)" });
    } else if (index !== undefined) {
      if (n < 1 || index >= n) issues.push({ file: "--shard auto", path: "JOB_COMPLETION_INDEX", problem: "not an index below the number of shards", got: `${index} of ${n} shards`, expected: `0 to ${Math.max(0, n - 1)} (the index counts from 0)` });
      else shard = { k: index + 1, n };
    }
  } else {
    issues.push({
      file: "--shard auto", path: "", problem: "no batch-system variables found",
      expected: "SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN (a Slurm job array), or JOB_COMPLETION_INDEX with --shard-count N (a Kubernetes Indexed Job)",
      hint: "outside a batch system, give the shard as --shard K/N",
    });
  }
  const tooMany = shard ? shardCountIssue(shard.n, "--shard auto", `${shard.n} shards`) : undefined;
  if (tooMany) issues.push(tooMany);
  if (issues.length > 0 || !shard) throw new InputError(issues);
  return shard;
}

/** Points [start, end) of shard k of n: disjoint, in order, covering every point once. */
export function shardRange(total: number, s: Shard): [number, number] {
  return [Math.floor((total * (s.k - 1)) / s.n), Math.floor((total * s.k) / s.n)];
}

/**
 * A shard file: this header line, the rows exactly as one machine writes them for points
 * [start, end), then an end line (ShardEnd) with the rows' count, byte length and sha256. merge
 * checks all three against the rows, and the rows against start and end, before writing.
 */
export interface ShardHeader {
  readonly wafersimShard: 2;
  readonly fingerprint: string;
  readonly format: TextFormat;
  readonly columns: readonly string[];
  readonly meta: SweepMeta;
  readonly total: number;
  readonly k: number;
  readonly n: number;
  readonly start: number;
  readonly end: number;
}

interface ShardEnd { readonly rows: number; readonly bytes: number; readonly sha256: string }

export const SHARD_MARK = "#wafersim-shard ";
export const SHARD_END_MARK = "#wafersim-shard-end ";

const OUT: OutputOptions = { flag: "--out", expected: "a file path such as results/sweep.csv, in an existing folder, or a device such as /dev/null" };

/** The files a scenario reads: its extends chain and every model, hardware, task or stack given as a path. */
function inputsOf(sc: Scenario): string[] {
  const files = new Set(sc.chain);
  const add = (v: unknown) => { if (typeof v === "string" && isAbsolute(v)) files.add(v); };
  for (const s of sc.settings.values()) add(s.value);
  for (const a of sc.axes) a.values.forEach(add);
  return [...files];
}

function metaOf(plan: Plan, layout: Layout, set: readonly string[]): SweepMeta {
  return { ...plan.provenance(), scenario: basename(plan.scenario.file), scenarioHash: plan.scenarioHash, ...(set.length > 0 ? { set } : {}), columns: layout.columns, points: plan.total };
}

/** Shards of one sweep share this: the scenario's contents, the --set what-ifs and the columns written. */
function fingerprintOf(meta: SweepMeta): string {
  return createHash("sha256").update(`${meta.scenarioHash}\n${JSON.stringify(meta.set ?? [])}\n${meta.columns.join(",")}`).digest("hex").slice(0, 16);
}

/** A progress bar on stderr, redrawn at most ten times a second. */
class Progress {
  private last = 0;
  private readonly t0 = performance.now();
  constructor(private readonly total: number, private readonly on: boolean) {}
  update(done: number, force = false): void {
    if (!this.on) return;
    const now = performance.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const f = this.total === 0 ? 1 : done / this.total;
    const width = 30;
    const bar = "#".repeat(Math.round(f * width)).padEnd(width, ".");
    const rate = done / Math.max(1e-9, (now - this.t0) / 1000);
    const eta = rate > 0 ? (this.total - done) / rate : 0;
    process.stderr.write(`\r[${bar}] ${(100 * f).toFixed(0).padStart(3)}% ${countText(done)}/${countText(this.total)} points, ${countText(Math.round(rate))}/s, ${eta.toFixed(1)} s left `);
  }
  done(): void {
    if (this.on) process.stderr.write("\n");
  }
}

export interface SweepOptions {
  readonly format: Format;
  readonly out?: string;
  /** the metrics to write, as `--columns` takes them ("a,b,c"); default: all of the plan's */
  readonly columns?: string;
  /** worker threads, at most the cores; default: one below 200,000 points (200 for agent sessions), all cores above */
  readonly workers?: number;
  readonly shard?: Shard;
  readonly progress?: boolean;
  /** points per unit of work (text formats) */
  readonly chunk?: number;
  /** the bound on points (MAX_POINTS by default) */
  readonly maxPoints?: number;
  /** where notes go (a capped --workers); default stderr */
  readonly onNote?: (text: string) => void;
  /** `--set key=value` texts: what-ifs laid over the scenario (recorded in the output's metadata) */
  readonly set?: readonly string[];
}

export interface SweepResult {
  readonly points: number;
  readonly total: number;
  readonly workers: number;
  readonly seconds: number;
}

const LARGE = 200_000;
const LARGE_SESSIONS = 200;

/** The ranges of work: fixed row groups for Parquet (so the bytes do not depend on the workers), chunks for text. */
function jobsOf(start: number, stop: number, size: number, aligned: boolean): { start: number; end: number }[] {
  const jobs: { start: number; end: number }[] = [];
  for (let s = start; s < stop;) {
    const e = Math.min(stop, aligned ? (Math.floor(s / size) + 1) * size : s + size);
    jobs.push({ start: s, end: e });
    s = e;
  }
  return jobs;
}

/** Where rows go: text to the output (a shard also counts and hashes them), or Parquet row groups. */
interface Rows {
  text(bytes: Uint8Array | string): Promise<void> | undefined;
  columns(chunk: ColumnChunk): Promise<void>;
}

/**
 * Evaluates every point of a scenario (or one shard's slice) and writes it. Input problems
 * (in the scenario, its size, the columns, the output path, or any deployment it names) are
 * found before the first byte is written; a failure or Ctrl-C leaves no output file behind.
 */
export async function runSweep(scenarioFile: string, opts: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  // The output path is checked before anything is read: a bad --out costs nothing.
  if (opts.out !== undefined) checkOutput(opts.out, OUT);
  if (opts.format === "parquet" && opts.shard) {
    throw inputError({ file: "--format", path: "", problem: "shards are written as text", got: "parquet with --shard", expected: "csv, json or jsonl shards (merge joins them)", hint: "sweep the whole scenario to Parquet on one machine, or merge text shards" });
  }
  if (opts.format === "parquet" && opts.out === undefined && process.stdout.isTTY === true) {
    throw inputError({ file: "--format", path: "", problem: "Parquet is binary and stdout is a terminal", got: "parquet", expected: "--out FILE.parquet, or stdout redirected to a file or pipe" });
  }
  const layers = setLayers(opts.set);
  const scenario = loadScenario(scenarioFile, layers, { maxPoints: opts.maxPoints ?? MAX_POINTS });
  const target = opts.out === undefined ? undefined : checkOutput(opts.out, { ...OUT, inputs: inputsOf(scenario) });
  const plan = await makePlan(scenario);
  const layout = layoutOf(plan, opts.format, opts.columns === undefined ? undefined : parseColumns(opts.columns, plan.metrics));
  plan.only(layout.metrics); // compute only what is written (a decode column needs no prefill pass)
  const [start, stop] = opts.shard ? shardRange(plan.total, opts.shard) : [0, plan.total];
  const points = stop - start;
  const cores = availableParallelism();
  if (opts.workers !== undefined && opts.workers > cores) (opts.onNote ?? ((s) => process.stderr.write(`wafersim: ${s}\n`)))(`--workers ${opts.workers} capped at ${cores}, the cores of this machine`);
  const parquet = opts.format === "parquet";
  // A session or serving point (an agent task turn by turn, a simulation of requests) costs
  // about as much as a thousand predictions.
  const slow = plan.kind !== "prediction";
  const perChunk = slow ? 1 : 1000;
  const size = parquet ? (slow ? 1024 : ROW_GROUP) : (opts.chunk ?? perChunk);
  const jobs = jobsOf(start, stop, size, parquet);
  const wanted = Math.min(opts.workers ?? (points >= (slow ? LARGE_SESSIONS : LARGE) ? cores : 1), cores);
  const workers = Math.max(1, Math.min(wanted, jobs.length));
  // Workers load the scenario while this thread builds the deployments and the metadata.
  const pool = workers > 1 ? startWorkers(workers - 1, { file: scenario.file, layers, format: opts.format, columns: layout.metrics, maxPoints: opts.maxPoints ?? MAX_POINTS }) : [];
  let output: Output;
  let meta: SweepMeta;
  try {
    plan.prepareAll();
    meta = metaOf(plan, layout, opts.set ?? []);
    output = openOutput(target);
  } catch (err) {
    await Promise.all(pool.map((w) => w.terminate()));
    throw err;
  }

  const progress = new Progress(points, opts.progress ?? process.stderr.isTTY === true);
  let hash: Hash | undefined;
  let bytes = 0;
  const pq = parquet ? new ParquetSweep(output, plan.cells, layout, meta) : undefined;
  const rows: Rows = {
    text: (chunk) => {
      if (!hash) return output.write(chunk);
      const b = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      hash.update(b);
      bytes += b.length;
      return output.write(b);
    },
    columns: (chunk) => pq!.add(chunk),
  };
  try {
    if (opts.shard) {
      const header: ShardHeader = {
        wafersimShard: 2, fingerprint: fingerprintOf(meta), format: opts.format as TextFormat, columns: layout.columns, meta,
        total: plan.total, k: opts.shard.k, n: opts.shard.n, start, end: stop,
      };
      await output.write(`${SHARD_MARK}${JSON.stringify(header)}\n`);
      hash = createHash("sha256");
    } else if (!parquet) {
      await output.write(begin(layout, meta));
    }
    if (pool.length === 0) await renderHere(plan, layout, jobs, rows, progress);
    // This thread's rows are encoded at once: a job's text is a rope of a thousand small strings,
    // and waiting in order behind the workers' jobs it would survive (and be copied by) every
    // young-generation GC until written; as bytes it is one object outside the young heap.
    else await renderShared(pool, jobs, rows, progress, (j) => (parquet ? { id: -1, chunk: columnsOf(plan, layout, j.start, j.end) } : { id: -1, bytes: Buffer.from(body(plan, layout, j.start, j.end), "utf8") }));
    if (hash) {
      const trailer: ShardEnd = { rows: points, bytes, sha256: hash.digest("hex") };
      await output.write(`${layout.format === "json" && bytes > 0 ? "\n" : ""}${SHARD_END_MARK}${JSON.stringify(trailer)}\n`);
    } else if (pq) await pq.finish();
    else await output.write(end(layout, plan.total));
    progress.update(points, true);
    progress.done();
    output.commit();
  } catch (err) {
    progress.done();
    output.abort();
    await Promise.all(pool.map((w) => w.terminate()));
    throw err;
  }
  return { points, total: plan.total, workers, seconds: (performance.now() - t0) / 1000 };
}

async function renderHere(plan: Plan, layout: Layout, jobs: readonly { start: number; end: number }[], rows: Rows, progress: Progress): Promise<void> {
  let done = 0;
  let yielded = performance.now();
  for (const j of jobs) {
    if (layout.format === "parquet") await rows.columns(columnsOf(plan, layout, j.start, j.end));
    else await rows.text(body(plan, layout, j.start, j.end));
    done += j.end - j.start;
    progress.update(done);
    // Let signals (Ctrl-C) and stdout drain every 20 ms.
    if (performance.now() - yielded > 20) {
      await new Promise<void>((r) => setImmediate(r));
      yielded = performance.now();
    }
  }
}

/** What a worker sends back for one job: text rows as bytes, Parquet rows as columns, or the problem. */
interface Reply {
  readonly id: number;
  readonly bytes?: Uint8Array;
  readonly chunk?: ColumnChunk;
  readonly issues?: readonly Issue[];
  readonly error?: string;
}

/** What a worker needs to load the same plan and layout as the parent. */
export interface WorkerSetup {
  readonly file: string;
  /** the --set layer (data only, as the parent read it) */
  readonly layers: readonly Layer[];
  readonly format: Format;
  readonly columns: readonly string[];
  readonly maxPoints: number;
}

function startWorkers(n: number, setup: WorkerSetup): Worker[] {
  const url = new URL("./worker.js", import.meta.url);
  return Array.from({ length: n }, () => new Worker(url, { workerData: setup }));
}

const IN_FLIGHT = 4;

/**
 * Renders the jobs on this thread and a pool of workers, and writes their rows in order; ends
 * the workers. This thread takes a job whenever it has nothing to write, so `--workers N` keeps
 * N threads busy with N - 1 worker threads (one start-up fewer).
 */
async function renderShared(pool: readonly Worker[], jobs: readonly { start: number; end: number }[], rows: Rows, progress: Progress, local: (job: { start: number; end: number }) => Reply): Promise<void> {
  const done = new Map<number, Reply>();
  let next = 0;
  let flushed = 0;
  let written = 0;
  let failure: { err: unknown } | undefined;
  let wake: (() => void) | undefined;
  const fail = (err: unknown) => {
    failure ??= { err };
    wake?.();
  };
  const send = (w: Worker) => {
    if (next < jobs.length) { const id = next++; w.postMessage({ id, ...jobs[id]! }); }
  };
  for (const w of pool) {
    w.on("message", (r: Reply) => {
      if (failure) return;
      if (r.issues) fail(new InputError(r.issues));
      else if (r.error !== undefined || (r.bytes === undefined && r.chunk === undefined)) fail(new Error(`sweep worker: ${r.error ?? "no output"}`));
      else {
        done.set(r.id, r);
        send(w);
        wake?.();
      }
    });
    w.on("error", fail);
    // This thread answers a worker only between jobs of its own: with four jobs in flight a
    // worker still has work when its first reply waits for that.
    for (let j = 0; j < IN_FLIGHT; j++) send(w);
  }
  try {
    while (!failure && flushed < jobs.length) {
      // Write finished jobs in order; later ones wait in `done`.
      while (done.has(flushed)) {
        const reply = done.get(flushed)!;
        done.delete(flushed);
        if (reply.chunk) await rows.columns(reply.chunk);
        else await rows.text(reply.bytes!);
        written += jobs[flushed]!.end - jobs[flushed]!.start;
        flushed++;
        progress.update(written);
      }
      if (failure || flushed === jobs.length) break;
      if (next < jobs.length) {
        const id = next++;
        try {
          done.set(id, { ...local(jobs[id]!), id });
        } catch (err) {
          fail(err);
        }
        // Let the workers' replies (and signals) in.
        await new Promise<void>((r) => setImmediate(r));
      } else {
        await new Promise<void>((r) => { wake = r; });
        wake = undefined;
      }
    }
    if (failure) throw failure.err;
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/** A shard file checked whole: where its rows are and what its header says. */
interface ShardFile {
  readonly file: string;
  readonly header: ShardHeader;
  /** byte offset and length of its rows */
  readonly offset: number;
  readonly bytes: number;
}

const HEAD_MAX = 1 << 20;
const TAIL_MAX = 4096;
const BLOCK = 1 << 20;

function readAt(fd: number, position: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, b, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return b.subarray(0, got);
}

const CRLF: Omit<Issue, "file"> = { path: "", problem: "has Windows (CRLF) line endings", expected: "the file as wafersim wrote it, with LF line endings", hint: "convert it back (dos2unix) or run the shard again" };

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const count = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** The header's fields, checked: types, the shard's number against MAX_SHARDS, and start/end against k/n/total. */
function headerIssues(file: string, h: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const bad = (path: string, got: unknown, expected: string) => issues.push({ file, path: `header.${path}`, problem: "not as wafersim writes it", got: JSON.stringify(got)?.slice(0, 60) ?? "nothing", expected });
  if (h["wafersimShard"] !== 2) {
    issues.push({ file, path: "header.wafersimShard", problem: h["wafersimShard"] === 1 ? "written by an earlier wafersim, without the end line merge checks a shard by" : "not a known shard version", got: JSON.stringify(h["wafersimShard"]), expected: "2", hint: "run the shard again" });
    return issues;
  }
  if (typeof h["fingerprint"] !== "string") bad("fingerprint", h["fingerprint"], "text");
  if (!(["csv", "json", "jsonl"] as unknown[]).includes(h["format"])) bad("format", h["format"], "csv, json or jsonl");
  if (!Array.isArray(h["columns"]) || !h["columns"].every((c) => typeof c === "string")) bad("columns", h["columns"], "a list of column names");
  if (!isObj(h["meta"])) bad("meta", h["meta"], "the sweep's metadata");
  for (const k of ["total", "k", "n", "start", "end"] as const) if (!count(h[k])) bad(k, h[k], "a whole number >= 0");
  if (issues.length > 0) return issues;
  const n = h["n"] as number;
  const k = h["k"] as number;
  if (n > MAX_SHARDS) { issues.push({ file, path: "header.n", problem: "too many shards", got: countText(n), expected: `at most ${countText(MAX_SHARDS)} shards` }); return issues; }
  if (k < 1 || k > n) { bad("k", k, `a shard number from 1 to ${n}`); return issues; }
  const [start, stop] = shardRange(h["total"] as number, { k, n });
  if (h["start"] !== start || h["end"] !== stop) issues.push({ file, path: "header.start", problem: `does not match shard ${k}/${n} of ${countText(h["total"] as number)} points`, got: `points ${String(h["start"])} to ${String(h["end"])}`, expected: `points ${start} to ${stop}` });
  return issues;
}

/**
 * Reads a shard file whole before anything is written: its header, its end line (a file cut
 * off has none), the byte length and sha256 of its rows against the end line, their count
 * against the header's start and end, and CR characters (a CRLF conversion). Every problem of
 * the file is returned, none thrown.
 */
function inspectShard(file: string): ShardFile | Issue[] {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (err) {
    const code = errorCode(err);
    return [{ file, path: "", problem: code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a folder, not a file" : `cannot read (${code})` }];
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return [{ file, path: "", problem: "not a regular file", expected: "a shard file written by wafersim sweep --shard K/N" }];
    const size = st.size;
    const head = readAt(fd, 0, Math.min(size, HEAD_MAX));
    const notShard: Issue = { file, path: "", problem: "not a shard file", got: JSON.stringify(head.subarray(0, 40).toString("utf8")), expected: `a file written by wafersim sweep --shard K/N (first line "${SHARD_MARK.trim()} ...")` };
    if (!head.subarray(0, SHARD_MARK.length).equals(Buffer.from(SHARD_MARK))) return [notShard];
    const nl = head.indexOf(10);
    if (nl < 0) return [{ file, path: "header", problem: "cut off inside its first line", expected: "the header line as wafersim wrote it" }];
    if (head[nl - 1] === 13) return [{ file, ...CRLF }];
    let header: unknown;
    try {
      header = JSON.parse(head.subarray(SHARD_MARK.length, nl).toString("utf8"));
    } catch {
      return [{ file, path: "header", problem: "broken shard header", expected: "the first line as wafersim wrote it" }];
    }
    if (!isObj(header)) return [{ file, path: "header", problem: "broken shard header", expected: "the first line as wafersim wrote it" }];
    const hIssues = headerIssues(file, header);
    if (hIssues.length > 0) return hIssues;
    const h = header as unknown as ShardHeader;
    // The end line: the last line of the file.
    const offset = nl + 1;
    const tailLen = Math.min(size - offset, TAIL_MAX);
    const tail = readAt(fd, size - tailLen, tailLen);
    const lastNl = tail.length > 0 && tail[tail.length - 1] === 10 ? tail.lastIndexOf(10, tail.length - 2) : -2;
    const lastLine = lastNl >= -1 ? tail.subarray(lastNl + 1, tail.length - 1) : Buffer.alloc(0);
    const cutOff: Issue = {
      file, path: "", problem: "cut off: its last line is not the shard's end line", got: `${countText(size)} bytes`,
      expected: `a shard whose sweep finished (its last line starts with "${SHARD_END_MARK.trim()}")`, hint: "run the shard again",
    };
    if (!lastLine.subarray(0, SHARD_END_MARK.length).equals(Buffer.from(SHARD_END_MARK))) return [cutOff];
    if (lastLine[lastLine.length - 1] === 13) return [{ file, ...CRLF }];
    let trailer: ShardEnd;
    try {
      trailer = JSON.parse(lastLine.subarray(SHARD_END_MARK.length).toString("utf8")) as ShardEnd;
    } catch {
      return [cutOff];
    }
    if (!isObj(trailer) || !count(trailer.rows) || !count(trailer.bytes) || typeof trailer.sha256 !== "string") return [cutOff];
    const gap = h.format === "json" && trailer.bytes > 0 ? 1 : 0;
    const rowsEnd = size - lastLine.length - 1 - gap;
    if (rowsEnd - offset !== trailer.bytes) {
      return [{ file, path: "", problem: "its rows are not the length its end line gives (cut off or changed)", got: `${countText(Math.max(0, rowsEnd - offset))} bytes`, expected: `${countText(trailer.bytes)} bytes`, hint: "run the shard again" }];
    }
    // The rows: sha256, line count, no CR.
    const sha = createHash("sha256");
    let lines = 0;
    let cr = false;
    for (let pos = offset; pos < rowsEnd;) {
      const b = readAt(fd, pos, Math.min(BLOCK, rowsEnd - pos));
      if (b.length === 0) break;
      sha.update(b);
      for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) lines++;
      if (!cr && b.indexOf(13) >= 0) cr = true;
      pos += b.length;
    }
    if (cr) return [{ file, ...CRLF }];
    const issues: Issue[] = [];
    if (sha.digest("hex") !== trailer.sha256) issues.push({ file, path: "", problem: "its rows do not match the checksum of its end line (changed after it was written)", expected: "the rows as wafersim wrote them", hint: "run the shard again" });
    // JSON rows after the first carry a leading ",\n": one line break fewer than rows in a shard that starts the sweep.
    const rows = h.format === "json" ? lines + (h.start === 0 && trailer.bytes > 0 ? 1 : 0) : lines;
    const expectedRows = h.end - h.start;
    if (rows !== expectedRows || trailer.rows !== expectedRows) {
      issues.push({ file, path: "", problem: "holds a different number of rows than its header's points", got: `${countText(rows)} rows`, expected: `${countText(expectedRows)} (points ${h.start} to ${h.end} of shard ${h.k}/${h.n})` });
    }
    return issues.length > 0 ? issues : { file, header: h, offset, bytes: trailer.bytes };
  } catch (err) {
    return [{ file, path: "", problem: `cannot read (${errorCode(err)})` }];
  } finally {
    closeSync(fd);
  }
}

/** "2, 4-7, 9" */
function ranges(ks: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ks.length;) {
    let j = i;
    while (j + 1 < ks.length && ks[j + 1] === ks[j]! + 1) j++;
    parts.push(j === i ? String(ks[i]) : `${ks[i]}-${ks[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}

/**
 * Joins shard files into the output one machine would have written. Every file is checked
 * whole first (inspectShard), then that they are all the shards of one sweep (same
 * fingerprint, format, columns, count and size), each once; every problem of every file is
 * reported at once, and nothing is written unless there is none. Then writes begin + the rows
 * in order + end. Shards are read in blocks, never whole.
 */
export async function mergeShards(files: readonly string[], out: string | undefined): Promise<{ shards: number; total: number }> {
  if (out !== undefined) checkOutput(out, OUT);
  const issues: Issue[] = [];
  const parts: ShardFile[] = [];
  for (const f of files) {
    const r = inspectShard(f);
    if (Array.isArray(r)) issues.push(...r);
    else parts.push(r);
  }
  if (files.length === 0) issues.push({ file: "merge", path: "", problem: "no shard files", expected: "the files of every shard" });
  const ref = parts[0]?.header;
  if (ref) {
    for (const p of parts) {
      for (const key of ["fingerprint", "format", "n", "total"] as const) {
        if (p.header[key] !== ref[key]) issues.push({ file: p.file, path: `header.${key}`, problem: "from another sweep than the first shard", got: String(p.header[key]), expected: `${String(ref[key])} as in ${parts[0]!.file}` });
      }
    }
    const byK = new Map<number, ShardFile[]>();
    for (const p of parts) byK.set(p.header.k, [...(byK.get(p.header.k) ?? []), p]);
    const missing: number[] = [];
    for (let k = 1; k <= ref.n; k++) if (!byK.has(k)) missing.push(k);
    if (missing.length > 0) {
      issues.push({ file: "merge", path: `shard${missing.length > 1 ? "s" : ""} ${ranges(missing)} of ${ref.n}`, problem: "missing", expected: `all ${ref.n} shards`, ...(issues.length > 0 ? { hint: "some may be among the files reported above" } : {}) });
    }
    for (const [k, with_] of byK) {
      if (with_.length > 1) issues.push({ file: with_[1]!.file, path: `shard ${k}/${ref.n}`, problem: "given twice", got: with_.map((p) => p.file).join(", "), expected: "each shard once" });
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  const target = out === undefined ? undefined : checkOutput(out, { ...OUT, inputs: files });
  parts.sort((a, b) => a.header.k - b.header.k);
  const layout = { format: ref!.format, columns: ref!.columns };
  const output = openOutput(target);
  try {
    await output.write(begin(layout, ref!.meta));
    for (const p of parts) await copyRows(p, output);
    await output.write(end(layout, ref!.total));
    output.commit();
  } catch (err) {
    output.abort();
    throw err;
  }
  return { shards: parts.length, total: ref!.total };
}

async function copyRows(p: ShardFile, output: Output): Promise<void> {
  const fd = openSync(p.file, "r");
  try {
    for (let pos = p.offset; pos < p.offset + p.bytes;) {
      const b = readAt(fd, pos, Math.min(BLOCK, p.offset + p.bytes - pos));
      if (b.length === 0) throw inputError({ file: p.file, path: "", problem: "changed while merging", expected: "shard files nobody changes during merge" });
      await output.write(b);
      pos += b.length;
    }
  } finally {
    closeSync(fd);
  }
}

