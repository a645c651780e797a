import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InputError, inputError, type Issue } from "./errors.js";

/** The shipped data folder (models/), the same relative path from src/ and dist/. */
export const MODELS_DIR = fileURLToPath(new URL("../models/", import.meta.url));
export const ROOT_DIR = fileURLToPath(new URL("../", import.meta.url));

export type Collection = "hardware" | "llm" | "stacks" | "tasks" | "params" | "power" | "prices";

/** Ids available in one collection (file names without extension). */
export function listIds(collection: Collection): string[] {
  const dir = `${MODELS_DIR}${collection}`;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ""))
    .sort();
}

/** True when a command-line value names a file rather than an id. */
export function looksLikeFile(ref: string): boolean {
  return ref.includes("/") || ref.includes("\\") || /\.(ya?ml|json)$/i.test(ref);
}

/**
 * Resolves `--hardware h100` style values: an id of a shipped description, or a path.
 * `what` names the option for the error message.
 */
export function resolveRef(collection: Collection, ref: string, what: string): string {
  if (looksLikeFile(ref)) return ref;
  const ids = listIds(collection);
  if (ids.includes(ref)) {
    const yaml = `${MODELS_DIR}${collection}/${ref}.yaml`;
    return existsSync(yaml) ? yaml : `${MODELS_DIR}${collection}/${ref}.yml`;
  }
  throw inputError({ file: what, path: "", problem: `unknown ${collection} id`, got: JSON.stringify(ref), expected: `one of ${ids.join(", ")}, or a file path` });
}

/**
 * Resolves a list of refs (`--hardware a,b,c`) at once: every unknown id and every missing
 * file is named, not only the first.
 */
export function resolveRefs(collection: Collection, refs: readonly string[], what: string): string[] {
  const issues: Issue[] = [];
  const files: string[] = [];
  for (const ref of refs) {
    try {
      const file = resolveRef(collection, ref, what);
      if (looksLikeFile(ref) && !existsSync(file)) issues.push({ file: what, path: "", problem: "file not found", got: JSON.stringify(ref), expected: "an existing file, or an id" });
      files.push(file);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  return files;
}
