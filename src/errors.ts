/**
 * Input problems. Every problem names the file, the field path, the value found and what
 * was expected; all problems in a file are collected before anything is thrown. The CLI
 * prints them one per line (`file: path: problem, got X, expected Y. hint`) and exits 2.
 */
export interface Issue {
  readonly file: string;
  /** Dotted field path, e.g. "memory.bandwidth.value"; "" for the whole file. */
  readonly path: string;
  readonly problem: string;
  readonly got?: string;
  readonly expected?: string;
  readonly hint?: string;
}

/**
 * At most this many characters of anything quoted from an input (a value, a field path, a file
 * name) in a message: a 50 MB scalar must not become 50 MB of stderr, nor a file's contents
 * be echoed. What wafersim writes itself (problem, expected, hint) gets a wider bound.
 */
export const MAX_QUOTE = 80;
const MAX_TEXT = 400;

/** `text` on one line (control characters and line breaks become spaces) and at most `max` characters. */
export function clip(text: string, max = MAX_QUOTE): string {
  const line = (text.length > max ? text.slice(0, max) : text).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ");
  return text.length > max ? `${line.slice(0, max - 3)}...` : line;
}

export function formatIssue(i: Issue): string {
  // A problem with a whole file or a command-line flag has no field path.
  const file = clip(i.file, 2 * MAX_QUOTE);
  let s = i.path === "" ? `${file}: ${clip(i.problem, MAX_TEXT)}` : `${file}: ${clip(i.path)}: ${clip(i.problem, MAX_TEXT)}`;
  if (i.got !== undefined) s += `, got ${clip(i.got)}`;
  if (i.expected !== undefined) s += `, expected ${clip(i.expected, MAX_TEXT)}`;
  if (i.hint !== undefined) s += `. ${clip(i.hint, MAX_TEXT)}`;
  return s;
}

/** Bad input: exit code 2 in the CLI, never a stack trace. */
export class InputError extends Error {
  readonly issues: readonly Issue[];
  constructor(issues: readonly Issue[], options?: { cause?: unknown }) {
    super(issues.map(formatIssue).join("\n"), options);
    this.name = "InputError";
    this.issues = issues;
  }
}

export function inputError(issue: Issue, cause?: unknown): InputError {
  return new InputError([issue], cause === undefined ? undefined : { cause });
}

/** Shows a user-supplied value briefly and unambiguously in a message. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  // Quoted and cut before quoting, so the message stays short and unambiguous whatever the value.
  if (typeof value === "string") return JSON.stringify(value.length > MAX_QUOTE - 2 ? `${value.slice(0, MAX_QUOTE - 5)}...` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return "an object";
}

/**
 * An operating-system failure (Node's system errors carry `code` and `syscall`): disk full, a
 * read-only tree, no permission, too many open files. Not bad input and not a wafersim bug: the
 * CLI reports it as what it is, with exit code 1.
 */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException & { code: string; syscall: string } {
  const e = err as NodeJS.ErrnoException | null;
  return e instanceof Error && typeof e.code === "string" && typeof e.syscall === "string";
}

/**
 * System errors that say the machine is short of something or failing, whatever the path
 * (too many open files, out of memory, an I/O error): never bad input, even while reading one.
 */
const MACHINE_CODES = new Set(["EMFILE", "ENFILE", "ENOMEM", "EIO", "ENOSPC", "EDQUOT", "EBUSY", "EAGAIN"]);

export function isMachineError(err: unknown): boolean {
  return isSystemError(err) && MACHINE_CODES.has(err.code);
}

/** An operating-system error as people read it: "no space left on device (ENOSPC)". */
export function systemProblem(err: unknown): string {
  const e = err as NodeJS.ErrnoException | null;
  const code = typeof e?.code === "string" ? e.code : undefined;
  const message = e instanceof Error ? e.message : String(err);
  // Node writes "ENOSPC: no space left on device, write"; keep the middle part.
  const what = /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1] ?? message;
  return clip(code !== undefined && what !== code ? `${what} (${code})` : what, MAX_TEXT);
}

/** One line for a system error: "cannot open /x/params.yaml: read-only file system (EROFS)". */
export function formatSystemError(err: NodeJS.ErrnoException & { syscall: string }): string {
  const path = typeof err.path === "string" ? ` ${clip(err.path, 2 * MAX_QUOTE)}` : "";
  const to = (err as { dest?: unknown }).dest;
  const dest = typeof to === "string" ? ` -> ${clip(to, 2 * MAX_QUOTE)}` : "";
  return `cannot ${err.syscall}${path}${dest}: ${systemProblem(err)}`;
}

/**
 * A failure of the machine, not of the input: a full disk, a read-only folder, an I/O error,
 * a reader that went away. The CLI prints it as one line and exits 1 (not "internal error").
 */
export class EnvironmentError extends Error {
  constructor(readonly file: string, readonly problem: string, readonly code: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem} (${code})`, options);
    this.name = "EnvironmentError";
  }
}
