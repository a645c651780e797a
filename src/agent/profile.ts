import { InputError, type Issue } from "../errors.js";
import { readData } from "../io/read.js";
import { resolveRef } from "../registry.js";
import { LIMITS, withinLimit, type Limit } from "../schema/limits.js";
import { ID_FIELD, sourced, validate, type Field, type Sourced, type Spec } from "../schema/spec.js";

const count = (min: number, limit: Limit): Spec => ({ t: "number", integer: true, min, limit });
const probability: Spec = { t: "number", min: 0, max: 1 };

/** The shape of models/tasks/*.yaml: one coding-agent task as a sequence of model turns and tool runs. */
export const TASK_SPEC: Spec = {
  t: "object",
  doc: "A coding-agent task profile: turns, context growth, output per turn, tool time, prompt caching, serving load, accuracy.",
  fields: {
    id: ID_FIELD,
    name: { t: "string" },
    description: { t: "string" },
    turns: sourced(count(1, LIMITS.turns), "model calls per task (each followed by one tool run)"),
    initialPromptTokens: sourced(count(1, LIMITS.tokens), "prompt of the first turn: system prompt, tools, task statement"),
    promptGrowthPerTurn: sourced(count(0, LIMITS.tokens), "tokens the context grows by between turns: the model's output and the tool's result"),
    visibleOutputTokensPerTurn: sourced(count(0, LIMITS.tokens), "output the client sees per turn: text and tool-call arguments"),
    reasoningOutputTokensPerTurn: sourced(count(0, LIMITS.tokens), "hidden reasoning tokens decoded per turn"),
    toolTimePerTurn: sourced({ t: "quantity", dim: "time", allowZero: true }, "time the tools run after each turn"),
    promptCacheHitRate: sourced(probability, "share of a turn's prompt served from the prefix cache (turns after the first)"),
    serving: {
      t: "object",
      doc: "how loaded the deployment is: the batch a turn's decode shares steps with (--batch overrides)",
      fields: {
        gpu: {
          t: "object",
          fields: { perUserTokensPerSecond: sourced({ t: "number", exclusiveMin: 0 }, "per-user decode speed production GPU serving delivers; the batch is the largest that still meets it") },
        },
        wafer: {
          t: "object",
          fields: { batch: sourced(count(1, LIMITS.batch), "concurrent users per wafer deployment") },
        },
      },
    },
    accuracy: { t: "record", of: { t: "sourced", of: probability }, optional: true, doc: "per-attempt success rate by model id" },
  },
};

export interface TaskProfile {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly turns: Sourced;
  readonly initialPromptTokens: Sourced;
  readonly promptGrowthPerTurn: Sourced;
  readonly visibleOutputTokensPerTurn: Sourced;
  readonly reasoningOutputTokensPerTurn: Sourced;
  readonly toolTimePerTurn: Sourced;
  readonly promptCacheHitRate: Sourced;
  readonly serving: { readonly gpu: { readonly perUserTokensPerSecond: Sourced }; readonly wafer: { readonly batch: Sourced } };
  readonly accuracy?: Readonly<Record<string, Sourced>>;
}

/** Loads a task profile by id (models/tasks/<id>.yaml) or path. */
export function loadTask(ref: string, what = "--task"): TaskProfile {
  const file = resolveRef("tasks", ref, what);
  return taskFromData(file, readData(file));
}

export function taskFromData(file: string, data: unknown): TaskProfile {
  const issues: Issue[] = [];
  const t = validate(TASK_SPEC, data, file, "", issues) as Omit<TaskProfile, "file"> | undefined;
  if (t && t.visibleOutputTokensPerTurn?.value === 0 && t.reasoningOutputTokensPerTurn?.value === 0) {
    issues.push({ file, path: "visibleOutputTokensPerTurn", problem: "a turn must decode at least one token", got: "0 visible and 0 reasoning", expected: "at least one output token per turn" });
  }
  // The last turn's prompt and the output per turn are what one request holds: the same bound as a prompt.
  if (t && issues.length === 0) {
    const lastPrompt = promptTokensAt({ ...t, file }, t.turns.value);
    if (lastPrompt > LIMITS.tokens.max) issues.push({ file, path: "promptGrowthPerTurn", problem: "the last turn's prompt is too long", got: `${lastPrompt.toLocaleString("en-US")} tokens (initialPromptTokens + (turns - 1) x promptGrowthPerTurn)`, expected: withinLimit(LIMITS.tokens) });
    const out = outputTokensPerTurn({ ...t, file });
    if (out > LIMITS.tokens.max) issues.push({ file, path: "reasoningOutputTokensPerTurn", problem: "too many output tokens per turn", got: `${out.toLocaleString("en-US")} visible and reasoning tokens`, expected: withinLimit(LIMITS.tokens) });
  }
  if (issues.length > 0 || !t) throw new InputError(issues);
  return { ...t, file };
}

/** The prompt of turn k (1-based): the first prompt plus k - 1 growths. */
export function promptTokensAt(t: TaskProfile, turn: number): number {
  return t.initialPromptTokens.value + (turn - 1) * t.promptGrowthPerTurn.value;
}

export function outputTokensPerTurn(t: TaskProfile): number {
  return t.visibleOutputTokensPerTurn.value + t.reasoningOutputTokensPerTurn.value;
}
