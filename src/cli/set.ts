import type { Command } from "commander";
import { InputError, type Issue } from "../errors.js";
import { parseData } from "../io/read.js";
import type { Layer } from "../scenario/load.js";

/**
 * `--set key=value` (repeatable): the keys of scenario files on the command line, with their
 * units, relative values and checks (src/scenario/keys.ts through loadScenario; no second key
 * system). The values become one layer, named "--set", laid over the scenario or the flags: a
 * key replaces the value from below and any sweep of that key. Wiring a command is two lines:
 *
 *     addSetOption(cmd)                              // the option, with its help
 *     loadScenario(ref, setLayers(flags.set))        // or scenarioFromLayers(name, [...flags, ...setLayers(flags.set)])
 */
export const SET_FILE = "--set";

export const SET_HELP = "what-if, repeatable: a scenario key and its value, with units (hardware.memory.capacity=88GB, "
  + "parameters.hopLatency=x0.5, model.config.num_hidden_layers=60, batch=8); the keys of `wafersim schema`";

/** The scenario key each prediction flag stands for. */
export const FLAG_KEYS = {
  "--model": "model", "--hardware": "hardware", "--chips": "chips", "--precision": "precision", "--software": "software",
  "--cores-per-layer": "coresPerLayer", "--tensor-parallel": "tensorParallel", "--pipeline-stages": "pipelineStages",
  "--memory-fraction": "memoryFraction", "--expert-placement": "expertPlacement", "--batch": "batch", "--prompt-tokens": "promptTokens", "--output-tokens": "outputTokens",
  "--spec-draft-tokens": "speculation", "--stack-speculation": "speculation", "--spec-draft-model": "draftModel", "--stack": "stack",
} as const satisfies Readonly<Record<string, string>>;

/** Scenario-file keys with a structure of their own: not values a --set can give. */
const STRUCTURE = new Set(["sweep", "zip", "extends", "title", "question", "description"]);

/** Commander's reducer for a repeatable option. */
export function collect(text: string, previous: readonly string[] = []): string[] {
  return [...previous, text];
}

export function addSetOption(cmd: Command): Command {
  return cmd.option("--set <key=value>", SET_HELP, collect, []);
}

/**
 * The --set texts as a layer for loadScenario / scenarioFromLayers; [] when there are none.
 * A value is read as one YAML value, exactly as in a scenario file ("88 GB", 4, x0.5,
 * {draftTokens: 4, acceptance: 0.7}, none): data only, never code.
 */
export function setLayers(texts: readonly string[] | undefined): Layer[] {
  if (!texts || texts.length === 0) return [];
  const issues: Issue[] = [];
  const data: Record<string, unknown> = {};
  const given = new Map<string, string>();
  for (const text of texts) {
    const eq = text.indexOf("=");
    const key = eq < 0 ? "" : text.slice(0, eq).trim();
    if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/.test(key)) {
      issues.push({ file: SET_FILE, path: "", problem: "not key=value", got: JSON.stringify(text), expected: "a scenario key, =, and its value, e.g. hardware.memory.capacity=88GB or parameters.hopLatency=x0.5" });
      continue;
    }
    const valueText = text.slice(eq + 1);
    if (STRUCTURE.has(key)) {
      issues.push({ file: SET_FILE, path: key, problem: "not a value a --set can give", got: JSON.stringify(text), expected: "a setting such as batch, chips, hardware.<field>, model.config.<field> or parameters.<name>; write sweeps and extends in a scenario file" });
      continue;
    }
    const before = given.get(key);
    if (before !== undefined) {
      issues.push({ file: SET_FILE, path: key, problem: "given twice", got: `${JSON.stringify(before)} and ${JSON.stringify(valueText)}`, expected: "one --set per key" });
      continue;
    }
    given.set(key, valueText);
    try {
      data[key] = yamlValue(valueText, SET_FILE, key);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  // A key given here also replaces a sweep of it from the layers below.
  return [{ file: SET_FILE, data: { ...data, sweep: Object.fromEntries([...given.keys()].map((k) => [k, null])) } }];
}

/** One value as a scenario file would hold it, read as YAML data on one line ("88 GB", 4, x0.5, {draftTokens: 4, acceptance: 0.7}). */
function yamlValue(text: string, file: string, path: string): unknown {
  if (/[\r\n]/.test(text)) throw new InputError([{ file, path, problem: "a value on more than one line", got: JSON.stringify(text), expected: "one line" }]);
  try {
    return (parseData(file, `value: ${text}`) as { value: unknown }).value;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(err.issues.map((i) => ({ ...i, path, got: JSON.stringify(text) })), { cause: err });
  }
}

/** A commander parser for a flag whose value is a scenario value (solve's --from and --to). */
export function parseValue(flag: string) {
  return (text: string): unknown => yamlValue(text, flag, "");
}

/**
 * Command-line flags as scenario layers, one per flag (so a problem names the flag), each for
 * the key it stands for (FLAG_KEYS); undefined values are left out.
 */
export function flagLayers(values: Readonly<Partial<Record<keyof typeof FLAG_KEYS, unknown>>>): Layer[] {
  return Object.entries(values).flatMap(([flag, value]) => (value === undefined ? [] : [{ file: flag, data: { [FLAG_KEYS[flag as keyof typeof FLAG_KEYS]]: value } }]));
}

/** A flag given on the command line and a --set of the key it stands for: which one is meant is unclear. */
export function checkSetConflicts(cmd: Command, sets: readonly string[] | undefined): void {
  const issues: Issue[] = [];
  for (const text of sets ?? []) {
    const key = text.slice(0, Math.max(0, text.indexOf("="))).trim();
    for (const [flag, k] of Object.entries(FLAG_KEYS)) {
      const opt = cmd.options.find((o) => o.long === flag);
      if (k === key && opt && cmd.getOptionValueSource(opt.attributeName()) === "cli") {
        issues.push({ file: SET_FILE, path: key, problem: `${flag} sets ${key} as well`, got: JSON.stringify(text), expected: `either ${flag} or --set ${key}=...` });
      }
    }
  }
  if (issues.length > 0) throw new InputError(issues);
}

/**
 * Runs `fn`; a problem blamed on a flag's layer at the flag's own key ("--hardware: hardware:
 * unknown hardware id") is reported against the flag alone, as commander-level problems are.
 */
export async function blameFlags<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(err.issues.map((i) => (i.file.startsWith("--") && i.file !== SET_FILE && i.path !== "" && (FLAG_KEYS as Readonly<Record<string, string>>)[i.file] === i.path ? { ...i, path: "" } : i)), { cause: err });
  }
}
