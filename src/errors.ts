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

export function formatIssue(i: Issue): string {
  // A problem with a whole file or a command-line flag has no field path.
  let s = i.path === "" ? `${i.file}: ${i.problem}` : `${i.file}: ${i.path}: ${i.problem}`;
  if (i.got !== undefined) s += `, got ${i.got}`;
  if (i.expected !== undefined) s += `, expected ${i.expected}`;
  if (i.hint !== undefined) s += `. ${i.hint}`;
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
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return "an object";
}
