import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, rmdirSync, rmSync, Stats, statSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { isatty } from "node:tty";
import { basename, dirname, join, resolve } from "node:path";
import { EnvironmentError, inputError, InputError } from "../errors.js";

/**
 * The one way wafersim writes a file (issue 13: outputs never replace what they should not).
 *
 * Where the bytes go depends on what the path is when the command starts:
 * - nothing yet, or a regular file: the bytes go to a temporary file in the same folder
 *   (`.NAME.PID@HOST.partial`), which is renamed over the path only once every byte is written
 *   and synced. A file replaced keeps its permission bits. A failure, Ctrl-C or SIGTERM removes
 *   the temporary; one left by a killed run (SIGKILL, power cut) is removed by the next run that
 *   writes the same path on the same machine, once the process that made it is gone.
 * - an existing character device or FIFO (`/dev/null`, `/dev/full`, a named pipe), or the
 *   caller's own stream (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`, even when that is a
 *   regular file): written straight, never replaced; a write error (ENOSPC on `/dev/full`) fails
 *   the command with one line and exit code 1.
 * - a symbolic link is followed to its final target, which these rules then apply to: a link to a
 *   file stays a link and the file behind it gets the new content (the temporary is made beside
 *   that file, so the rename stays on one file system). A link to nothing, or a loop, is refused:
 *   wafersim does not create a file at a place the user cannot see in the path they gave.
 * - a folder, a block device (a disk), a socket, or a file the command reads (the same path or
 *   the same inode, e.g. `sweep X.yaml --out X.yaml`) is refused before any work starts.
 *
 * Problems with a path the user gave (`--out`) are input errors (exit 2); with a path of
 * wafersim's own (calibrate --write) and anything that fails while writing, EnvironmentError
 * (exit 1).
 */
export interface OutputTarget {
  /** the path as given */
  readonly given: string;
  /** the flag that named it ("--out"), or undefined for a path of wafersim's own */
  readonly flag: string | undefined;
  /** where the bytes go: the final target, absolute */
  readonly path: string;
  readonly how: "replace" | "stream";
  /** permission bits of the regular file replaced */
  readonly mode: number | undefined;
}

export interface OutputOptions {
  /** the flag that named the path; omit for paths of wafersim's own */
  readonly flag?: string;
  /** files the command reads: the output may not be one of them */
  readonly inputs?: readonly string[];
  /** what a good value is, for messages */
  readonly expected?: string;
}

const OUT_FILE = "a file path such as results/sweep.csv, in an existing folder";

/** Node's error code, or "error". */
export function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? "error";
}

/** What an errno means, for people. */
const MEANING: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EIO: "input/output error",
  EPIPE: "the reader closed the pipe",
  EFBIG: "file too large",
  ENXIO: "no reader on the FIFO or device",
};

function meaning(err: unknown): string {
  const code = errorCode(err);
  return MEANING[code] ?? (err instanceof Error ? err.message.replace(/^[A-Z]+: /, "").split(",")[0]! : code);
}

function failure(given: string, opts: OutputOptions, problem: string, err?: unknown): InputError | EnvironmentError {
  if (opts.flag === undefined) return new EnvironmentError(given, problem, errorCode(err), err === undefined ? undefined : { cause: err });
  return inputError({ file: opts.flag, path: "", problem, got: JSON.stringify(given), expected: opts.expected ?? OUT_FILE }, err);
}

function label(t: OutputTarget): string {
  return t.flag === undefined ? t.given : `${t.flag} ${t.given}`;
}

/** The caller's own streams: a path here names a descriptor the caller opened, whatever it points to. */
function isCallersStream(given: string): boolean {
  return /^\/dev\/(stdout|stderr|fd\/\d+)$/.test(given) || /^\/proc\/(self|\d+)\/fd\/\d+$/.test(given);
}

/** A path's status, or the error (ENOENT included) that stat gave. */
function statOf(p: string, lstat: boolean): Stats | NodeJS.ErrnoException {
  try {
    return lstat ? lstatSync(p) : statSync(p);
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

const failed = (st: Stats | NodeJS.ErrnoException): st is NodeJS.ErrnoException => !(st instanceof Stats);
const missing = (st: Stats | NodeJS.ErrnoException): boolean => failed(st) && st.code === "ENOENT";

/**
 * Checks where an output may go and how it will be written, before any work starts. Throws an
 * InputError naming the flag (or an EnvironmentError for a path of wafersim's own).
 */
export function checkOutput(given: string, opts: OutputOptions = {}): OutputTarget {
  const bad = (problem: string, err?: unknown) => failure(given, opts, problem, err);
  const abs = resolve(given);
  if (isCallersStream(given)) {
    // The kernel follows these links to the caller's descriptor (a pipe has no path to resolve).
    const st = statOf(given, false);
    if (failed(st)) throw bad(`cannot use that stream (${errorCode(st)})`, st);
    if (st.isDirectory()) throw bad("is a folder");
    return { given, flag: opts.flag, path: given, how: "stream", mode: undefined };
  }
  const own = statOf(abs, true);
  if (failed(own) && !missing(own)) {
    if (own.code === "ENOTDIR") throw bad("a parent of it is a file, not a folder", own);
    throw bad(`cannot use that path (${errorCode(own)})`, own);
  }
  let path = abs;
  let st = own;
  if (!failed(own) && own.isSymbolicLink()) {
    try {
      path = realpathSync(abs);
    } catch (err) {
      const code = errorCode(err);
      throw bad(code === "ENOENT" ? "a symbolic link to nothing (wafersim follows a link only to something that exists)" : code === "ELOOP" ? "a loop of symbolic links" : `cannot follow the link (${code})`, err);
    }
    st = statOf(path, false);
    if (failed(st)) throw bad(`cannot use the file it links to (${errorCode(st)})`, st);
  }
  let target: OutputTarget;
  if (failed(st)) {
    const parent = dirname(abs);
    const p = statOf(parent, false);
    if (missing(p)) throw bad(`its folder ${JSON.stringify(dirname(given))} does not exist (create it first)`, p);
    if (failed(p)) throw bad(p.code === "ENOTDIR" ? "a parent of it is a file, not a folder" : `cannot use its folder (${errorCode(p)})`, p);
    if (!p.isDirectory()) throw bad(`${JSON.stringify(dirname(given))} is a file, not a folder`);
    target = { given, flag: opts.flag, path: join(realpathSync(parent), basename(abs)), how: "replace", mode: undefined };
  } else if (st.isDirectory()) {
    throw bad("is a folder");
  } else if (st.isCharacterDevice() || st.isFIFO()) {
    target = { given, flag: opts.flag, path, how: "stream", mode: undefined };
  } else if (st.isFile()) {
    target = { given, flag: opts.flag, path, how: "replace", mode: st.mode & 0o777 };
  } else {
    throw bad(`is ${st.isBlockDevice() ? "a block device (a disk)" : st.isSocket() ? "a socket" : "not a file"}, which wafersim does not write to`);
  }
  refuseInputs(target, opts, bad);
  return target;
}

/** Refuses an output that is one of the command's inputs: the same path, or the same inode by another name. */
function refuseInputs(t: OutputTarget, opts: OutputOptions, bad: (problem: string) => Error): void {
  if (t.how === "stream" || !opts.inputs || opts.inputs.length === 0) return;
  const out = statOf(t.path, false);
  for (const input of opts.inputs) {
    const st = statOf(input, false);
    if (failed(st)) continue;
    let real: string;
    try { real = realpathSync(input); } catch { continue; }
    const same = real === t.path || (!failed(out) && out.dev === st.dev && out.ino === st.ino);
    if (same) throw bad(`is an input of this command (${JSON.stringify(input)}): writing there would destroy it`);
  }
}

const HOST = hostname().replace(/[^A-Za-z0-9.-]/g, "_");
const PARTIAL = ".partial";

/** The temporary a run writes before renaming it to `path`: `.NAME.PID@HOST.partial` in the same folder. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}@${HOST}${PARTIAL}`);
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === "EPERM"; // someone else's process: running
  }
}

/**
 * Removes the temporaries of `path` that runs on this machine left behind when they were killed
 * (SIGKILL, a power cut): those whose process is gone. Temporaries of another host (a shared
 * folder) are left alone: a pid means nothing across machines. `.NAME.PID.partial` without a
 * host is the name earlier versions used, always on this machine.
 */
export function removeStaleTemps(path: string): void {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix) || !n.endsWith(PARTIAL)) continue;
    const m = /^(\d+)(?:@(.+))?$/.exec(n.slice(prefix.length, -PARTIAL.length));
    if (!m || (m[2] !== undefined && m[2] !== HOST)) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !running(pid)) rmSync(join(dir, n), { force: true });
  }
}

const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * An output being written: stdout (no target), a stream written straight, or a temporary
 * renamed over the target by commit(). Nothing appears under a replaced name before commit().
 */
export class Output {
  private fd: number | undefined;
  private readonly temp: string | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.abort();
    process.exit(SIGNALS[signal as keyof typeof SIGNALS] ?? 1);
  };

  constructor(readonly target: OutputTarget | undefined) {
    if (!target) {
      // stdout redirected to a file or a device (> out.csv, > /dev/full) is written here,
      // synchronously, so a write error is this command's to report; pipes and terminals go
      // through process.stdout.
      try {
        const st = fstatSync(1);
        if ((st.isFile() || st.isCharacterDevice()) && !isatty(1)) this.fd = 1;
      } catch { /* no stdout to inspect: process.stdout */ }
      return;
    }
    const opts: OutputOptions = target.flag === undefined ? {} : { flag: target.flag, expected: "a path in a writable folder" };
    if (target.how === "stream") {
      try {
        // O_APPEND: a caller's stream redirected to a file (>>) keeps what it holds.
        this.fd = openSync(target.path, constants.O_WRONLY | constants.O_APPEND);
      } catch (err) {
        throw failure(target.given, opts, `cannot write there: ${meaning(err)}`, err);
      }
      return;
    }
    removeStaleTemps(target.path);
    this.temp = tempPathFor(target.path);
    try {
      this.fd = openSync(this.temp, "wx");
      if (target.mode !== undefined) fchmodSync(this.fd, target.mode);
    } catch (err) {
      if (this.fd !== undefined) this.abort();
      throw failure(target.given, opts, `cannot write there: ${meaning(err)}`, err);
    }
    for (const s of Object.keys(SIGNALS)) process.on(s, this.onSignal);
  }

  /** Writes bytes; resolves when stdout took them (files and streams are written synchronously). */
  write(chunk: string | Uint8Array): Promise<void> | undefined {
    if (chunk.length === 0) return undefined;
    if (this.fd === undefined) {
      if (this.target) throw new Error("write after commit or abort");
      return new Promise<void>((res, rej) => {
        process.stdout.write(chunk, (err) => (err ? rej(new EnvironmentError("stdout", `cannot write: ${meaning(err)}`, errorCode(err), { cause: err })) : res()));
      });
    }
    this.writeSync(chunk);
    return undefined;
  }

  /** Writes bytes to a file or stream target (not stdout). */
  writeSync(chunk: string | Uint8Array): void {
    try {
      // A regular file takes a whole string at once (Node encodes it without a copy here); a
      // device or pipe may take part of a write, so it gets bytes and a loop.
      if (typeof chunk === "string" && this.temp !== undefined) writeSync(this.fd!, chunk);
      else {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
        for (let off = 0; off < bytes.length;) off += writeSync(this.fd!, bytes, off);
      }
    } catch (err) {
      this.abort();
      throw new EnvironmentError(this.target ? label(this.target) : "stdout", `cannot write: ${meaning(err)}`, errorCode(err), { cause: err });
    }
  }

  /** Puts the output in place: renames the temporary over the target (nothing for stdout and streams). */
  commit(): void {
    const t = this.target;
    if (!t || this.fd === undefined) return;
    const fd = this.fd;
    try {
      if (this.temp !== undefined) fsyncSync(fd);
      closeSync(fd);
      this.fd = undefined;
      if (this.temp !== undefined) renameSync(this.temp, t.path);
    } catch (err) {
      this.abort();
      throw new EnvironmentError(label(t), `cannot put the output in place: ${meaning(err)}`, errorCode(err), { cause: err });
    }
    this.detach();
  }

  /** Drops what was written to a temporary (a stream keeps what it took). */
  abort(): void {
    if (this.fd !== undefined && this.target) {
      try { closeSync(this.fd); } catch { /* already failing */ }
      this.fd = undefined;
    }
    if (this.temp !== undefined) rmSync(this.temp, { force: true });
    this.detach();
  }

  private detach(): void {
    for (const s of Object.keys(SIGNALS)) process.removeListener(s, this.onSignal);
  }
}

/** Opens the output for a path checked by checkOutput, or stdout when there is none. */
export function openOutput(target: OutputTarget | undefined): Output {
  return new Output(target);
}

/** Writes one whole file by the rules above (calibrate --write, one-shot outputs). */
export function writeFileSafely(given: string, data: string | Uint8Array, opts: OutputOptions = {}): void {
  const out = new Output(checkOutput(given, opts));
  out.writeSync(data);
  out.commit();
}

const FOLDER_EXPECTED = "a folder to write into (an existing folder, or a new path whose parent folders can be created)";

/** Refuses a folder path that exists but is not a folder; a missing one is created by writeFilesTogether. */
export function checkOutFolder(dir: string, flag = "--out"): void {
  const st = statOf(dir, false);
  if (missing(st)) return;
  if (failed(st)) {
    if (st.code === "ENOTDIR") throw inputError({ file: flag, path: "", problem: "a parent of it is a file, not a folder", got: JSON.stringify(dir), expected: FOLDER_EXPECTED }, st);
    throw inputError({ file: flag, path: "", problem: `cannot use that path (${errorCode(st)})`, got: JSON.stringify(dir), expected: FOLDER_EXPECTED }, st);
  }
  if (!st.isDirectory()) throw inputError({ file: flag, path: "", problem: "is a file, not a folder", got: JSON.stringify(dir), expected: FOLDER_EXPECTED });
}

/**
 * Writes several files into a folder, all or none of those it replaces: each goes to its
 * temporary first, and all are renamed into place only once every write succeeded. On a
 * failure the temporaries (and a folder this call created) are removed and files that were
 * there before are untouched. A name held by a device or FIFO is written straight, last.
 * Problems with the folder or the names are InputErrors naming the flag.
 */
export function writeFilesTogether(dir: string, files: readonly { path: string; bytes: Buffer | string }[], flag = "--out"): void {
  checkOutFolder(dir, flag);
  for (const f of files) {
    const st = statOf(f.path, false);
    if (!failed(st) && st.isDirectory()) {
      throw inputError({ file: flag, path: "", problem: `${JSON.stringify(basename(f.path))} is taken by a folder`, got: JSON.stringify(f.path), expected: "a file name free or held by a file (move or remove that folder)" });
    }
  }
  let created: string | undefined;
  try {
    created = mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw inputError({ file: flag, path: "", problem: `cannot create the folder (${errorCode(err)})`, got: JSON.stringify(dir), expected: FOLDER_EXPECTED }, err);
  }
  const removeCreated = () => {
    // Remove the folders this call made, innermost first; a folder someone else filled stays.
    for (let d = resolve(dir); created !== undefined; d = dirname(d)) {
      try { rmdirSync(d); } catch { break; }
      if (d === resolve(created)) break;
    }
  };
  const outputs: Output[] = [];
  const abortAll = () => { for (const o of outputs) o.abort(); };
  let current = "";
  try {
    for (const f of files) {
      current = f.path;
      outputs.push(new Output(checkOutput(f.path, { flag, expected: "a writable folder" })));
    }
    for (const [i, f] of files.entries()) {
      current = f.path;
      if (outputs[i]!.target!.how === "replace") outputs[i]!.writeSync(f.bytes);
    }
  } catch (err) {
    abortAll();
    removeCreated();
    throw inputError({ file: flag, path: "", problem: `cannot write ${JSON.stringify(basename(current))} (${errorCode(err instanceof InputError ? err.cause : err)})`, got: JSON.stringify(dir), expected: "a writable folder" }, err);
  }
  let done = 0;
  try {
    for (const [i, f] of files.entries()) {
      current = f.path;
      if (outputs[i]!.target!.how === "stream") outputs[i]!.writeSync(f.bytes);
      outputs[i]!.commit();
      done++;
    }
  } catch (err) {
    // Only a change to the folder while we wrote gets here: the names were checked above.
    abortAll();
    throw inputError({
      file: flag, path: "", problem: `cannot put ${JSON.stringify(basename(current))} in place (${errorCode(err instanceof EnvironmentError ? err.cause : err)})`, got: JSON.stringify(dir), expected: "a folder nobody else changes while files are written",
      ...(done > 0 ? { hint: `${done} of ${files.length} files were already replaced` } : {}),
    }, err);
  }
}
