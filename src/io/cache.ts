import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT_DIR } from "../registry.js";
import { readText } from "./read.js";

/**
 * A cache of validated descriptions, so that `predict` and `list` start without YAML parsing
 * and mathjs unit parsing (together ~0.25 s) once a file has been read. The key is the file's
 * content, the kind of description, and the modification times of the code that validates it:
 * editing a data file or the validating code both miss the cache. Only successful
 * validations are stored, so errors always come from a fresh read. WAFERSIM_NO_CACHE=1 turns
 * it off. Writes are atomic and best-effort: a read-only tree simply runs uncached.
 */

/** Modules whose code decides what a validated description looks like. */
const VALIDATORS = ["../schema/spec", "../units/parse", "../hardware/schema", "../hardware/load", "../model/hf", "../model/arch", "../model/load", "../engine/parameters", "../engine/precision"];

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

let dir: string | null | undefined;
function cacheDir(): string | null {
  if (dir !== undefined) return dir;
  for (const d of [join(ROOT_DIR, "node_modules", ".cache", "wafersim"), join(tmpdir(), `wafersim-cache-${process.getuid?.() ?? "user"}`)]) {
    try {
      mkdirSync(d, { recursive: true });
      dir = d;
      return d;
    } catch {
      // try the next place
    }
  }
  dir = null;
  return dir;
}

/**
 * Returns `build(text)` for `file`, from the cache when the same content was validated by the
 * same code before. `kind` separates descriptions read by different loaders.
 */
export function cachedDescription<T>(file: string, kind: string, build: (text: string) => T): T {
  const text = readText(file);
  if (process.env["WAFERSIM_NO_CACHE"]) return build(text);
  const d = cacheDir();
  if (d === null) return build(text);
  const key = createHash("sha256").update(kind).update("\0").update(codeSignature()).update("\0").update(file).update("\0").update(text).digest("hex").slice(0, 32);
  const path = join(d, `${key}.json`);
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    // not cached yet
  }
  const value = build(text);
  try {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, path);
  } catch {
    // best effort
  }
  return value;
}
