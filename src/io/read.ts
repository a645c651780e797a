import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { InputError, inputError, type Issue } from "../errors.js";

/** The yaml package, loaded on first use (~40 ms): a start-up served from the description cache never needs it. */
let yamlModule: typeof import("yaml") | undefined;
function yaml(): typeof import("yaml") {
  yamlModule ??= createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return yamlModule;
}

/** Keys that could reach an object's prototype; refused wherever they appear. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Reads a file's text, turning "not found" and friends into an input error naming it. */
export function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a folder, not a file" : `cannot read (${code ?? "error"})`;
    throw inputError({ file, path: "", problem }, err);
  }
}

/**
 * Parses YAML or JSON (by extension; JSON is also valid YAML) into plain data. YAML is read
 * as data only: no custom tags, no anchors-as-code; duplicate keys are errors.
 */
export function parseData(file: string, text: string): unknown {
  if (text.trim() === "") throw inputError({ file, path: "", problem: "file is empty", expected: "a YAML or JSON object" });
  let data: unknown;
  if (/\.json$/i.test(file)) {
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw inputError({ file, path: "", problem: `broken JSON (${(err as Error).message})` }, err);
    }
  } else {
    const doc = yaml().parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true });
    if (doc.errors.length > 0) {
      throw new InputError(doc.errors.map((e) => ({ file, path: "", problem: `broken YAML: ${e.message.split("\n")[0]}` })));
    }
    data = doc.toJS({ maxAliasCount: 100 });
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw inputError({ file, path: "", problem: "not an object", got: Array.isArray(data) ? "a list" : JSON.stringify(data), expected: "a YAML or JSON object with named fields" });
  }
  const issues: Issue[] = [];
  findForbiddenKeys(file, data, "", issues);
  if (issues.length > 0) throw new InputError(issues);
  return data;
}

function findForbiddenKeys(file: string, value: unknown, path: string, issues: Issue[]): void {
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => findForbiddenKeys(file, v, `${path}[${i}]`, issues));
    return;
  }
  for (const key of Object.keys(value)) {
    const p = path === "" ? key : `${path}.${key}`;
    if (FORBIDDEN_KEYS.has(key)) {
      issues.push({ file, path: p, problem: "forbidden key", got: JSON.stringify(key), expected: "an ordinary field name", hint: "keys that reach an object's prototype are refused" });
      continue;
    }
    findForbiddenKeys(file, (value as Record<string, unknown>)[key], p, issues);
  }
}

export function readData(file: string): unknown {
  return parseData(file, readText(file));
}
