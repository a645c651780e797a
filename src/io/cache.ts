import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT_DIR } from "../registry.js";
import { MAX_INPUT_BYTES, readText } from "./read.js";

/**
 * A cache of validated descriptions, so that `predict` and `list` start without YAML parsing
 * and mathjs unit parsing (together ~0.25 s) once a file has been read. The key is the file's
 * content, the kind of description, and the modification times of the code that validates it:
 * editing a data file or the validating code both miss the cache. Only successful
 * validations are stored, so errors always come from a fresh read. WAFERSIM_NO_CACHE=1 turns
 * it off. Writes are atomic and best-effort: a read-only tree simply runs uncached.
 *
 * Trust: a cached description is used as validated, so only the user may write the cache. The
 * folder must be the user's own with mode 0700 (a shared /tmp folder that another user created
 * first could otherwise change a victim's results); one that is not is skipped, never used or
 * changed. Each entry carries the SHA-256 of its content and its key: a truncated, corrupted
 * or misplaced entry is a miss, never an error.
 */

/** Modules whose code decides what a validated description looks like. */
const VALIDATORS = ["../schema/spec", "../schema/limits", "../units/parse", "../units/dimensions", "../hardware/schema", "../hardware/load", "../model/hf", "../model/arch", "../model/load", "../engine/parameters", "../engine/precision"];

let signature: string | undefined;
function codeSignature(): string {
  if (signature !== undefined) return signature;
  const parts: string[] = [];
  for (const m of VALIDATORS) {
    for (const ext of [".js", ".ts"]) {
      const f = fileURLToPath(new URL(m + ext, import.meta.url));
      if (existsSync(f)) {
        parts.push(`${m}:${statSync(f).mtimeMs}`);
        break;
      }
    }
  }
  signature = parts.join("|");
  return signature;
}

const uid = process.getuid?.();

/**
 * Whether `d` can hold the cache: created here with mode 0700 if missing; if present, a real
 * folder (not a symlink) owned by this user that no one else may write or read.
 */
export function usableCacheDir(d: string): boolean {
  try {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    const st = lstatSync(d);
    if (!st.isDirectory()) return false;
    if (uid !== undefined && st.uid !== uid) return false;
    return (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

let dir: string | null | undefined;
function cacheDir(): string | null {
  if (dir !== undefined) return dir;
  const who = uid ?? "user";
  dir = [join(ROOT_DIR, "node_modules", ".cache", `wafersim-${who}`), join(tmpdir(), `wafersim-cache-${who}`)].find(usableCacheDir) ?? null;
  return dir;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The entry file of `text` read as `kind` from `file`, and its key (exported for tests). */
export function cacheEntry(file: string, kind: string, text: string): { path: string; key: string } | null {
  const d = cacheDir();
  if (d === null) return null;
  const key = createHash("sha256").update(kind).update("\0").update(codeSignature()).update("\0").update(file).update("\0").update(text).digest("hex").slice(0, 32);
  return { path: join(d, `${key}.json`), key };
}

/** An entry's value if the entry is whole and is the one for `key`; undefined otherwise. */
function readEntry<T>(path: string, key: string): T | undefined {
  try {
    // An entry is "<sha256 of the rest>\n<JSON of {key, value}>".
    const text = readText(path, 4 * MAX_INPUT_BYTES);
    const nl = text.indexOf("\n");
    const body = text.slice(nl + 1);
    if (nl !== 64 || text.slice(0, nl) !== sha256(body)) return undefined;
    const entry = JSON.parse(body) as { key?: unknown; value?: unknown };
    return entry !== null && typeof entry === "object" && entry.key === key && entry.value !== undefined ? (entry.value as T) : undefined;
  } catch {
    return undefined;
  }
}

function writeEntry(path: string, key: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const body = JSON.stringify({ key, value });
    writeFileSync(tmp, `${sha256(body)}\n${body}`, { mode: 0o600, flag: "wx" });
    renameSync(tmp, path);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/**
 * Returns `build(text)` for `file`, from the cache when the same content was validated by the
 * same code before. `kind` separates descriptions read by different loaders.
 */
export function cachedDescription<T>(file: string, kind: string, build: (text: string) => T): T {
  const text = readText(file);
  if (process.env["WAFERSIM_NO_CACHE"]) return build(text);
  const entry = cacheEntry(file, kind, text);
  if (entry === null) return build(text);
  const cached = readEntry<T>(entry.path, entry.key);
  if (cached !== undefined) return cached;
  const value = build(text);
  writeEntry(entry.path, entry.key, value);
  return value;
}
