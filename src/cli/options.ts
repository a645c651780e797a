import type { Command } from "commander";
import { InputError, inputError, type Issue } from "../errors.js";
import { LIMITS, withinLimit, type Limit } from "../schema/limits.js";

/**
 * The named limit of each whole-number flag (src/schema/limits.ts). A flag not listed here is
 * bounded by the largest exact integer, or by the limit its command passes to wholeNumber.
 */
const FLAG_LIMITS: Readonly<Record<string, Limit>> = {
  "--chips": LIMITS.chips, "--vs-chips": LIMITS.chips, "--batch": LIMITS.batch, "--vs-batch": LIMITS.batch,
  "--prompt-tokens": LIMITS.tokens, "--output-tokens": LIMITS.tokens, "--spec-draft-tokens": LIMITS.draftTokens,
  "--cores-per-layer": LIMITS.cores, "--backlog": LIMITS.backlog,
  // layout and serving flags (issue 14): chips, users and tokens by other names
  "--tensor-parallel": LIMITS.chips, "--pipeline-stages": LIMITS.chips, "--replicas": LIMITS.chips,
  "--prefill-replicas": LIMITS.chips, "--decode-replicas": LIMITS.chips, "--max-seqs": LIMITS.batch, "--users": LIMITS.batch,
  "--token-budget": LIMITS.tokens, "--block-size": LIMITS.tokens,
};

/** Strict parsers for command-line numbers: "1.5" is not a batch, "-2" is not a count, 1e9 chips is beyond MAX_CHIPS. */
export function wholeNumber(flag: string, min = 1, limit: Limit | undefined = FLAG_LIMITS[flag]) {
  return (text: string): number => {
    const v = Number(text);
    const whole = /^\s*\d+\s*$/.test(text) && Number.isSafeInteger(v) && v >= min;
    if (whole && (limit === undefined || v <= limit.max)) return v;
    throw inputError({
      file: flag, path: "", problem: whole ? "too large" : "not a whole number in range", got: JSON.stringify(text),
      expected: limit ? withinLimit(limit, min) : `a whole number >= ${min}`,
    });
  };
}

/** A decimal number as people write it: no hex (0x1), octal or binary forms, which Number() accepts. */
const DECIMAL = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/** A probability from 0 to 1; `aboveZero` for rates that divide (a success rate of 0 never ends). */
export function fraction(flag: string, opts: { aboveZero?: boolean } = {}) {
  return (text: string): number => {
    const v = Number(text);
    if (!DECIMAL.test(text) || !Number.isFinite(v) || v < 0 || v > 1 || (opts.aboveZero && v === 0)) {
      throw inputError({ file: flag, path: "", problem: opts.aboveZero ? "not a number above 0 and at most 1" : "not a number from 0 to 1", got: JSON.stringify(text), expected: "a decimal probability such as 0.7" });
    }
    return v;
  };
}

/** One call of a command as the rules below see it: its positional arguments and which flags the user gave. */
export interface Call {
  readonly args: readonly string[];
  given(flag: string): boolean;
}

/**
 * A flag that means something only in some calls of its command. Commander refuses a flag a
 * command does not declare, but accepts every declared flag in every call, and the action then
 * ignored those that did not apply (`chart codex-spark --tolerance 5`, `calibrate --json
 * --markdown`). These rules refuse them instead, for every command, before its action runs.
 */
export interface FlagRule {
  readonly command: string;
  readonly flag: string;
  /** true when the flag applies to this call */
  applies(call: Call): boolean | Promise<boolean>;
  /** what the call needs for the flag to apply */
  readonly needs: string;
}

/** Chart targets that are built-in sets: they draw fixed charts, with no metric or tolerance to choose. */
async function isChartSet(target: string | undefined): Promise<boolean> {
  const { CHART_SETS, LIVE_SETS } = await import("../charts/sets.js");
  return target === "report" || target === "all" || (target !== undefined && (Object.hasOwn(CHART_SETS, target) || Object.hasOwn(LIVE_SETS, target)));
}

const SECOND_AGENT = "--vs-model and --vs-hardware (a second agent to compare)";

export const FLAG_RULES: readonly FlagRule[] = [
  { command: "calibrate", flag: "--markdown", applies: (c) => !c.given("--json"), needs: "no --json: one output format, --json or --markdown" },
  { command: "chart", flag: "--tolerance", applies: (c) => /\.json$/i.test(c.args[0] ?? ""), needs: "a results .json file of `calibrate --json` as the target (the calibration set uses each reference's own tolerance)" },
  { command: "chart", flag: "--metric", applies: async (c) => !(await isChartSet(c.args[0])), needs: "a scenario or a results .json file as the target (a chart set draws fixed metrics)" },
  ...["--vs-chips", "--vs-stack", "--vs-batch", "--vs-accuracy"].map((flag): FlagRule => ({
    command: "solved", flag, applies: (c) => c.given("--vs-model") || c.given("--vs-hardware"), needs: SECOND_AGENT,
  })),
];

/** Refuses every flag the user gave that does not apply to this call (all of them at once). */
export async function checkFlagRules(cmd: Command, rules: readonly FlagRule[] = FLAG_RULES): Promise<void> {
  const given = (flag: string): boolean => {
    const option = cmd.options.find((o) => o.long === flag);
    return option !== undefined && cmd.getOptionValueSource(option.attributeName()) === "cli";
  };
  const call: Call = { args: cmd.args, given };
  const issues: Issue[] = [];
  for (const rule of rules) {
    if (rule.command !== cmd.name() || !given(rule.flag)) continue;
    if (!(await rule.applies(call))) issues.push({ file: rule.flag, path: "", problem: `does not apply to this call of \`${rule.command}\``, expected: rule.needs, hint: "remove it, or change the call" });
  }
  if (issues.length > 0) throw new InputError(issues);
}

/**
 * Runs `fn`, blaming the flags it names in its errors on the flags the user gave: the second
 * agent of `solved` is loaded with --model, but an unknown --vs-model is the user's --vs-model.
 */
export function asFlags<T>(map: Readonly<Record<string, string>>, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(err.issues.map((i) => (Object.hasOwn(map, i.file) ? { ...i, file: map[i.file]! } : i)), { cause: err });
  }
}
