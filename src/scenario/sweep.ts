import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { InputError, inputError, type Issue } from "../errors.js";
import { loadScenario } from "./load.js";
import { begin, body, end, type Format } from "./output.js";
import { makePlan, type Plan } from "./plan.js";

export interface Shard { readonly k: number; readonly n: number }

/** Parses `--shard K/N` (1 <= K <= N). */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || !(n >= 1) || !(k >= 1) || k > n) throw inputError({ file: "--shard", path: "", problem: "not a shard K/N", got: JSON.stringify(text), expected: "K/N with 1 <= K <= N, e.g. 3/8" });
  return { k, n };
}

/** Points [start, end) of shard k of n: disjoint, in order, covering every point once. */
export function shardRange(total: number, s: Shard): [number, number] {
  return [Math.floor((total * (s.k - 1)) / s.n), Math.floor((total * s.k) / s.n)];
}

/** The first line of a shard file: what `merge` needs to put the shards back together. */
export interface ShardHeader {
  readonly wafersimShard: 1;
  readonly scenario: string;
  readonly fingerprint: string;
  readonly format: Format;
  readonly columns: readonly string[];
  readonly total: number;
  readonly k: number;
  readonly n: number;
  readonly start: number;
  readonly end: number;
}

export const SHARD_MARK = "#wafersim-shard ";

const OUT_FILE = "a file path such as results/sweep.csv, in an existing folder";

/**
 * Refuses an --out that cannot become the output file: a folder, or a path whose parent folder
 * is missing or is not a folder (it is not created: a mistyped folder should not appear quietly).
 * Called before any work starts.
 */
export function checkOutFile(out: string): void {
  const bad = (problem: string, err?: unknown) => inputError({ file: "--out", path: "", problem, got: JSON.stringify(out), expected: OUT_FILE }, err);
  const kind = (p: string): "file" | "folder" | "missing" => {
    try {
      return statSync(p).isDirectory() ? "folder" : "file";
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return "missing";
      if (code === "ENOTDIR") throw bad("a parent of it is a file, not a folder", err);
      throw bad(`cannot use that path (${code ?? "error"})`, err);
    }
  };
  if (kind(out) === "folder") throw bad("is a folder");
  const parent = dirname(out);
  const p = kind(parent);
  if (p === "missing") throw bad(`its folder ${JSON.stringify(parent)} does not exist (create it first)`);
  if (p === "file") throw bad(`${JSON.stringify(parent)} is a file, not a folder`);
}

/** Where output goes: a file written atomically (temporary file, then rename), or stdout. */
export class Sink {
  private fd: number | undefined;
  private epipeHandled = false;
  private readonly temp: string | undefined;
  private readonly onSignal = () => { this.abort(); process.exit(130); };

  constructor(readonly out: string | undefined) {
    if (out !== undefined) {
      checkOutFile(out);
      this.temp = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
      try {
        this.fd = openSync(this.temp, "w");
      } catch (err) {
        throw inputError({ file: "--out", path: "", problem: `cannot write there (${(err as NodeJS.ErrnoException).code ?? "error"})`, got: JSON.stringify(out), expected: "a path in a writable folder" }, err);
      }
      process.once("SIGINT", this.onSignal);
      process.once("SIGTERM", this.onSignal);
    }
  }

  async write(text: string | Uint8Array): Promise<void> {
    if (text.length === 0) return;
    if (this.fd !== undefined) {
      if (typeof text === "string") writeSync(this.fd, text);
      else for (let off = 0; off < text.length;) off += writeSync(this.fd, text, off);
      return;
    }
    if (!this.epipeHandled) {
      this.epipeHandled = true;
      process.stdout.on("error", (err: NodeJS.ErrnoException) => { if (err.code === "EPIPE") process.exit(0); throw err; });
    }
    if (!process.stdout.write(text)) await new Promise<void>((r) => process.stdout.once("drain", () => r()));
  }

  /** Makes the output visible under its name; nothing is there before this. */
  commit(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
    try {
      renameSync(this.temp!, this.out!);
    } catch (err) {
      // Only a change to the path after checkOutFile gets here; the caller's abort() removes the temporary.
      throw inputError({ file: "--out", path: "", problem: `cannot put the output in place (${(err as NodeJS.ErrnoException).code ?? "error"})`, got: JSON.stringify(this.out), expected: OUT_FILE }, err);
    }
    this.detach();
  }

  abort(): void {
    if (this.fd !== undefined) { closeSync(this.fd); this.fd = undefined; }
    if (this.temp !== undefined) rmSync(this.temp, { force: true });
    this.detach();
  }

  private detach(): void {
    process.removeListener("SIGINT", this.onSignal);
    process.removeListener("SIGTERM", this.onSignal);
  }
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
    process.stderr.write(`\r[${bar}] ${(100 * f).toFixed(0).padStart(3)}% ${done.toLocaleString("en-US")}/${this.total.toLocaleString("en-US")} points, ${Math.round(rate).toLocaleString("en-US")}/s, ${eta.toFixed(1)} s left `);
  }
  done(): void {
    if (this.on) process.stderr.write("\n");
  }
}

export interface SweepOptions {
  readonly format: Format;
  readonly out?: string;
  /** worker threads; default: one below 200,000 points (200 for agent sessions), all cores above */
  readonly workers?: number;
  readonly shard?: Shard;
  readonly progress?: boolean;
  /** points per unit of work */
  readonly chunk?: number;
}

export interface SweepResult {
  readonly points: number;
  readonly total: number;
  readonly workers: number;
  readonly seconds: number;
}

const LARGE = 200_000;
const LARGE_SESSIONS = 200;

/**
 * Evaluates every point of a scenario (or one shard's slice) and writes it. Input problems
 * (in the scenario or in any deployment it names) are found before the first byte is written;
 * a failure or Ctrl-C leaves no output file behind.
 */
export async function runSweep(scenarioFile: string, opts: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  if (opts.out !== undefined) checkOutFile(opts.out);
  const scenario = loadScenario(scenarioFile);
  const plan = await makePlan(scenario);
  plan.prepareAll();
  const [start, stop] = opts.shard ? shardRange(plan.total, opts.shard) : [0, plan.total];
  const points = stop - start;
  // A session point (an agent task turn by turn) costs about as much as a thousand predictions.
  const perChunk = plan.kind !== "prediction" ? 1 : 1000;
  const large = plan.kind !== "prediction" ? LARGE_SESSIONS : LARGE;
  const workers = Math.max(1, Math.min(opts.workers ?? (points >= large ? availableParallelism() : 1), Math.ceil(points / perChunk) || 1));
  const chunk = opts.chunk ?? Math.max(perChunk, Math.min(50 * perChunk, Math.ceil(points / (workers * 8))));
  const sink = new Sink(opts.out);
  const progress = new Progress(points, opts.progress ?? process.stderr.isTTY === true);
  try {
    if (opts.shard) {
      const header: ShardHeader = {
        wafersimShard: 1, scenario: scenario.file, fingerprint: plan.fingerprint, format: opts.format, columns: plan.columns,
        total: plan.total, k: opts.shard.k, n: opts.shard.n, start, end: stop,
      };
      await sink.write(`${SHARD_MARK}${JSON.stringify(header)}\n`);
    } else {
      await sink.write(begin(opts.format, plan.columns));
    }
    if (workers <= 1) await renderHere(plan, opts.format, start, stop, chunk, sink, progress);
    else await renderInWorkers(scenario.file, opts.format, start, stop, chunk, workers, sink, progress);
    if (!opts.shard) await sink.write(end(opts.format, plan.total));
    progress.update(points, true);
    progress.done();
    sink.commit();
  } catch (err) {
    progress.done();
    sink.abort();
    throw err;
  }
  return { points, total: plan.total, workers, seconds: (performance.now() - t0) / 1000 };
}

async function renderHere(plan: Plan, format: Format, start: number, stop: number, chunk: number, sink: Sink, progress: Progress): Promise<void> {
  for (let s = start; s < stop; s += chunk) {
    const e = Math.min(stop, s + chunk);
    await sink.write(body(plan, format, s, e));
    progress.update(e - start);
    // Let signals (Ctrl-C) and stdout drain in between chunks.
    await new Promise<void>((r) => setImmediate(r));
  }
}

interface Reply { readonly id: number; readonly bytes?: Uint8Array; readonly issues?: readonly Issue[]; readonly error?: string }

async function renderInWorkers(file: string, format: Format, start: number, stop: number, chunk: number, n: number, sink: Sink, progress: Progress): Promise<void> {
  const url = new URL("./worker.js", import.meta.url);
  const pool = Array.from({ length: n }, () => new Worker(url, { workerData: { file, format } }));
  const jobs: { start: number; end: number }[] = [];
  for (let s = start; s < stop; s += chunk) jobs.push({ start: s, end: Math.min(stop, s + chunk) });
  const done = new Map<number, Uint8Array>();
  let next = 0;
  let flushed = 0;
  let written = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      let writing = Promise.resolve();
      const send = (w: Worker) => {
        if (next < jobs.length) { const id = next++; w.postMessage({ id, ...jobs[id]! }); }
      };
      for (const w of pool) {
        w.on("message", (r: Reply) => {
          if (failed) return;
          if (r.issues) { failed = true; reject(new InputError(r.issues)); return; }
          if (r.error !== undefined || r.bytes === undefined) { failed = true; reject(new Error(`sweep worker: ${r.error ?? "no output"}`)); return; }
          done.set(r.id, r.bytes);
          send(w);
          // Write finished chunks in order; later ones wait in `done`.
          writing = writing.then(async () => {
            while (done.has(flushed)) {
              const text = done.get(flushed)!;
              done.delete(flushed);
              await sink.write(text);
              written += jobs[flushed]!.end - jobs[flushed]!.start;
              flushed++;
              progress.update(written);
            }
            if (flushed === jobs.length) resolve();
          }).catch((err: unknown) => { failed = true; reject(err); });
        });
        w.on("error", (err) => { if (!failed) { failed = true; reject(err); } });
        // Two jobs in flight per worker keep it busy while the parent writes.
        send(w);
        send(w);
      }
      if (jobs.length === 0) resolve();
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/**
 * Joins shard files into the output one machine would have written: checks that they are
 * all the shards of one scenario (same fingerprint, format and shard count), each once, then
 * writes begin + the bodies in order + end.
 */
export async function mergeShards(files: readonly string[], out: string | undefined, readText: (f: string) => string): Promise<{ shards: number; total: number }> {
  if (out !== undefined) checkOutFile(out);
  const issues: Issue[] = [];
  const parts: { header: ShardHeader; body: string; file: string }[] = [];
  for (const f of files) {
    const text = readText(f);
    const nl = text.indexOf("\n");
    const first = nl < 0 ? text : text.slice(0, nl);
    if (!first.startsWith(SHARD_MARK)) { issues.push({ file: f, path: "", problem: "not a shard file", got: JSON.stringify(first.slice(0, 40)), expected: `a file written by wafersim sweep --shard K/N (first line "${SHARD_MARK.trim()} ...")` }); continue; }
    let header: ShardHeader;
    try {
      header = JSON.parse(first.slice(SHARD_MARK.length)) as ShardHeader;
    } catch {
      issues.push({ file: f, path: "", problem: "broken shard header", expected: "the first line as wafersim wrote it" });
      continue;
    }
    parts.push({ header, body: text.slice(nl + 1), file: f });
  }
  if (issues.length === 0 && parts.length === 0) issues.push({ file: "merge", path: "", problem: "no shard files", expected: "the files of every shard" });
  const ref = parts[0]?.header;
  if (ref) {
    for (const p of parts) {
      for (const key of ["fingerprint", "format", "n", "total"] as const) {
        if (p.header[key] !== ref[key]) issues.push({ file: p.file, path: key, problem: "from another sweep than the first shard", got: String(p.header[key]), expected: `${String(ref[key])} as in ${parts[0]!.file}` });
      }
    }
    for (let k = 1; k <= ref.n; k++) {
      const with_ = parts.filter((p) => p.header.k === k);
      if (with_.length === 0) issues.push({ file: "merge", path: `shard ${k}/${ref.n}`, problem: "missing", expected: `all ${ref.n} shards` });
      if (with_.length > 1) issues.push({ file: with_[1]!.file, path: `shard ${k}/${ref.n}`, problem: "given twice", got: with_.map((p) => p.file).join(", "), expected: "each shard once" });
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  parts.sort((a, b) => a.header.k - b.header.k);
  const sink = new Sink(out);
  try {
    await sink.write(begin(ref!.format, ref!.columns));
    for (const p of parts) await sink.write(p.body);
    await sink.write(end(ref!.format, ref!.total));
    sink.commit();
  } catch (err) {
    sink.abort();
    throw err;
  }
  return { shards: parts.length, total: ref!.total };
}
