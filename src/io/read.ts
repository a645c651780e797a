import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { createRequire } from "node:module";
import { InputError, inputError, isMachineError, show, systemProblem, type Issue } from "../errors.js";

/**
 * The limits of every description read here (hardware, model, config.json, scenario, task
 * profile, serving stack, parameter set): the one place they are stated.
 *
 * MAX_INPUT_BYTES: 2 MB, 50 times the largest shipped description (models/references/figures.yaml,
 * 37 kB; a published config.json is a few kB). Larger files are refused before they are read, so
 * `/dev/zero`, a runaway file or a 50 MB YAML costs nothing.
 *
 * MAX_YAML_ITEMS: 50,000 lines and flow-collection commas. The yaml parser takes about 6 us per
 * item (a 250,000-item list took 1.6 s to tokenise on the test machine), so the bound keeps any
 * YAML description under about a third of a second; the largest shipped file has under 1,000.
 * JSON is parsed natively (4 MB in ~20 ms) and needs no such bound.
 *
 * MAX_NESTING: 32 levels of objects and lists; the deepest shipped file nests 6
 * (config.quantization_config.config_groups.group_0.weights.num_bits). Deeper data would
 * overflow the stack of the recursive checks that follow.
 */
export const MAX_INPUT_BYTES = 2_000_000;
/**
 * A results file read back (`chart results.json`): 64 MB, about 130,000 points of `sweep
 * --format json` (~490 bytes each). Charts of more points are unreadable anyway.
 */
export const MAX_RESULTS_BYTES = 64_000_000;
export const MAX_YAML_ITEMS = 50_000;
export const MAX_NESTING = 32;

/** The yaml package, loaded on first use (~40 ms): a start-up served from the description cache never needs it. */
let yamlModule: typeof import("yaml") | undefined;
function yaml(): typeof import("yaml") {
  yamlModule ??= createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return yamlModule;
}

/** Keys that could reach an object's prototype; refused wherever they appear. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** True for a key (or a segment of a dotted key) that could reach an object's prototype. */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

const KIND_OF: readonly [keyof Stats, string][] = [
  ["isFIFO", "a named pipe (FIFO)"], ["isCharacterDevice", "a character device"], ["isBlockDevice", "a block device"], ["isSocket", "a socket"],
];

/**
 * Reads a regular file's text, at most `maxBytes` of it. Not found, a folder, a device or FIFO
 * (opened without blocking, then refused), a file over the limit and binary content are input
 * errors naming the file.
 */
export function readText(file: string, maxBytes = MAX_INPUT_BYTES): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait for ever.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    // The machine failing (too many open files, an I/O error) is not a problem of the input: exit 1.
    if (isMachineError(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const problem = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a folder, not a file" : `cannot read: ${systemProblem(err)}`;
    throw inputError({ file, path: "", problem }, err);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw inputError({ file, path: "", problem: "is a folder, not a file" });
    if (!st.isFile()) {
      const kind = KIND_OF.find(([test]) => (st[test] as () => boolean).call(st))?.[1] ?? "something else";
      throw inputError({ file, path: "", problem: `not a regular file but ${kind}`, expected: "a YAML or JSON file" });
    }
    const tooLarge = (bytes: string) => inputError({ file, path: "", problem: "too large", got: bytes, expected: `at most ${maxBytes.toLocaleString("en-US")} bytes, wafersim's limit for one input file` });
    if (st.size > maxBytes) throw tooLarge(`${st.size.toLocaleString("en-US")} bytes`);
    // Room for one byte more than fstat said: a file that grew since is read on, up to the limit.
    let buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > maxBytes) throw tooLarge(`more than ${maxBytes.toLocaleString("en-US")} bytes`);
        const bigger = Buffer.allocUnsafe(maxBytes + 1);
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    const bytes = buf.subarray(0, n);
    if (bytes.includes(0)) throw inputError({ file, path: "", problem: "not a text file (it holds NUL bytes)", expected: "a YAML or JSON file" });
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (err) {
      throw inputError({ file, path: "", problem: "not UTF-8 text", expected: "a YAML or JSON file" }, err);
    }
  } catch (err) {
    if (isMachineError(err)) throw Object.assign(err as NodeJS.ErrnoException, { path: (err as NodeJS.ErrnoException).path ?? file });
    if (err instanceof InputError) throw err;
    throw inputError({ file, path: "", problem: `cannot read: ${systemProblem(err)}` }, err);
  } finally {
    closeSync(fd);
  }
}

/**
 * Parses YAML or JSON (by extension; JSON is also valid YAML) into plain data. YAML is read
 * as data only: no custom tags, no anchors-as-code; duplicate keys are errors. Bounded: at most
 * MAX_YAML_ITEMS items of YAML and MAX_NESTING levels of either.
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
    data = parseYaml(file, text);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw inputError({ file, path: "", problem: "not an object", got: Array.isArray(data) ? "a list" : show(data), expected: "a YAML or JSON object with named fields" });
  }
  const issues = checkShape(file, data);
  if (issues.length > 0) throw new InputError(issues);
  return data;
}

function parseYaml(file: string, text: string): unknown {
  let items = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 44 || c === 91 || c === 123) items++; // \n , [ {
  }
  if (items > MAX_YAML_ITEMS) {
    throw inputError({ file, path: "", problem: "too many lines and items for a description", got: items.toLocaleString("en-US"), expected: `at most ${MAX_YAML_ITEMS.toLocaleString("en-US")} lines, commas and brackets, wafersim's limit for one YAML file` });
  }
  const y = yaml();
  // Duplicate keys are found below in one pass: the parser's own check compares every pair.
  const doc = y.parseDocument(text, { uniqueKeys: false, prettyErrors: false, strict: true });
  if (doc.errors.length > 0) {
    throw new InputError(doc.errors.map((e) => ({ file, path: "", problem: `broken YAML: ${e.message.split("\n")[0]}` })));
  }
  const issues = duplicateKeys(file, doc.contents);
  if (issues.length > 0) throw new InputError(issues);
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // The parser refuses alias expansions that would multiply the data (a "billion laughs").
    throw inputError({ file, path: "", problem: `broken YAML: ${(err as Error).message}`, expected: "plain data, with few aliases (*name)" }, err);
  }
}

/** Keys repeated in one YAML mapping, and keys that are not plain values; iterative, linear. */
function duplicateKeys(file: string, root: unknown): Issue[] {
  const y = yaml();
  const issues: Issue[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (y.isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        if (!y.isScalar(key) && key !== null) {
          issues.push({ file, path: "", problem: "a key that is not plain text", expected: "keys that are names or numbers" });
          continue;
        }
        const name = String(key === null ? null : key.value);
        if (seen.has(name)) issues.push({ file, path: name, problem: "duplicate key", expected: "each key once in its mapping" });
        seen.add(name);
        stack.push(pair.value);
      }
    } else if (y.isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return issues;
}

/**
 * Walks the parsed data without recursion: nesting deeper than MAX_NESTING and keys that could
 * reach an object's prototype are refused.
 */
function checkShape(file: string, data: object): Issue[] {
  const issues: Issue[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: data, path: "", depth: 1 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (value === null || typeof value !== "object") continue;
    if (depth > MAX_NESTING) {
      issues.push({ file, path, problem: "nested too deeply", got: `more than ${MAX_NESTING} levels`, expected: `at most ${MAX_NESTING} levels of objects and lists, wafersim's limit for one input file` });
      break;
    }
    const children: { value: unknown; path: string; depth: number }[] = [];
    if (Array.isArray(value)) value.forEach((v, i) => children.push({ value: v, path: `${path}[${i}]`, depth: depth + 1 }));
    else {
      for (const key of Object.keys(value)) {
        const p = path === "" ? key : `${path}.${key}`;
        if (FORBIDDEN_KEYS.has(key)) {
          issues.push({ file, path: p, problem: "forbidden key", got: JSON.stringify(key), expected: "an ordinary field name", hint: "keys that reach an object's prototype are refused" });
          continue;
        }
        children.push({ value: (value as Record<string, unknown>)[key], path: p, depth: depth + 1 });
      }
    }
    // Reversed, so problems are reported in the order they are written.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return issues;
}

export function readData(file: string): unknown {
  return parseData(file, readText(file));
}
