import type { Command } from "commander";
import { Option } from "commander";
import { inputError } from "../errors.js";
import { assertFinite } from "../io/finite.js";
import type { SessionResult } from "../agent/session.js";
import type { SolvedResult } from "../agent/solved.js";
import type { WeightFormat } from "../model/arch.js";
import type { Warning } from "../engine/types.js";
import { formatCount, formatSeconds } from "../units/format.js";
import { choicesHelp } from "./choices.js";
import { asFlags, fraction, wholeNumber } from "./options.js";
import { countCell, renderTable, secondsCell, shareCell } from "./table.js";

interface SessionFlags {
  task: string;
  model: string;
  hardware: string;
  chips?: number;
  stack?: string;
  batch?: number;
  precision?: WeightFormat;
  software?: string;
  json?: boolean;
}

interface SolvedFlags extends SessionFlags {
  accuracy?: number;
  vsModel?: string;
  vsHardware?: string;
  vsChips?: number;
  vsStack?: string;
  vsBatch?: number;
  vsAccuracy?: number;
  backlog: number;
}

function addSessionOptions(cmd: Command): Command {
  return choicesHelp(cmd
    .requiredOption("--task <id|file>", "task profile id (models/tasks) or YAML file")
    .requiredOption("--model <id|file>", "model id, our YAML file, or a Hugging Face config.json")
    .requiredOption("--hardware <id|file>", "hardware id or YAML file")
    .option("--chips <N>", "number of chips; default: the fewest that hold the model and the longest context", wholeNumber("--chips"))
    .option("--stack <id|file>", "serving stack (models/stacks) whose overheads each turn pays; default: none")
    .option("--batch <B>", "users sharing each decode step; default: the task profile's serving assumption", wholeNumber("--batch"))
    .addOption(new Option("--precision <format>", "weight format; default: the model's native one").choices(["bf16", "fp8", "int8", "fp4", "int4"]))
    .option("--software <id>", "software stack whose fitted parameters to use; default: the hardware's default")
    .option("--json", "one JSON object instead of tables"));
}

function sessionOptions(f: { task: string; model: string; hardware: string; chips?: number; stack?: string; batch?: number; precision?: WeightFormat; software?: string }) {
  return {
    task: f.task, model: f.model, hardware: f.hardware,
    ...(f.chips !== undefined ? { chips: f.chips } : {}),
    ...(f.stack !== undefined ? { stack: f.stack } : {}),
    ...(f.batch !== undefined ? { batch: f.batch } : {}),
    ...(f.precision !== undefined ? { precision: f.precision } : {}),
    ...(f.software !== undefined ? { software: f.software } : {}),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function renderSession(r: SessionResult): string {
  const lines: string[] = [];
  lines.push(`${r.task.id}: ${r.model.id} on ${r.hardware.chips} x ${r.hardware.id}, stack ${r.stack?.id ?? "none"}, batch ${r.serving.batch} (${r.serving.how})`);
  if (r.model.assumption) lines.push(`note: assumed architecture: ${r.model.assumption}`);
  lines.push("");
  lines.push(`wall time ${formatSeconds(r.wallSeconds)} for ${r.turns.length} turns`);
  const tokens = r.turns.reduce((a, t) => a + t.visibleOutputTokens + t.reasoningOutputTokens, 0);
  const model = r.split.model.decodeSeconds > 0 ? tokens / r.split.model.decodeSeconds : NaN;
  const seen = r.decodePaced.seconds > 0 ? r.decodePaced.tokens / r.decodePaced.seconds : NaN;
  lines.push(r.stack
    ? `decode speed per user: ${countCell(model)} tok/s (model), ${countCell(seen)} tok/s with ${r.stack.id}'s per-token overhead (what the user sees)`
    : `decode speed per user: ${countCell(model)} tok/s (model only, no serving stack)`);
  lines.push("");
  const s = r.split;
  const o = s.overhead;
  const row = (name: string, v: number) => [name, secondsCell(v), shareCell(v / r.wallSeconds)];
  lines.push(renderTable(["where the time goes", "time", "share"], [
    row("model", s.modelSeconds),
    row("  prefill (uncached prompt)", s.model.prefillSeconds),
    row("  decode", s.model.decodeSeconds),
    row("tools", s.toolSeconds),
    row("serving overhead", s.overheadSeconds),
    row("  session open", o.sessionOpenSeconds),
    row("  network", o.networkSeconds),
    row("  session start-up", o.sessionStartupSeconds),
    row("  request handling", o.requestHandlingSeconds),
    row("  queueing", o.queueingSeconds),
    row("  per-token streaming", o.streamingSeconds),
  ], [false, true, true]));
  lines.push("");
  lines.push("timeline");
  // per-turn decode and speed include the stack's per-token overhead (TurnResult.tokensPerSecondPerUser)
  const withStack = r.stack ? ` (with ${r.stack.id})` : "";
  lines.push(renderTable(["turn", "start", "prompt", "uncached", "output", `TTFT${withStack}`, `decode${withStack}`, "tool", `tok/s${withStack}`], r.turns.map((t) => [
    String(t.turn), secondsCell(t.startSeconds), countCell(t.promptTokens), countCell(t.uncachedTokens),
    countCell(t.visibleOutputTokens + t.reasoningOutputTokens), secondsCell(t.ttftSeconds),
    secondsCell(t.decodeSeconds + t.streamingSeconds), secondsCell(t.toolSeconds), countCell(t.tokensPerSecondPerUser),
  ]), [true, true, true, true, true, true, true, true, true]));
  return lines.join("\n");
}

export function renderSolved(r: SolvedResult): string {
  const lines: string[] = [];
  lines.push(`${r.task}: expected time to a solved task, retrying until success (backlog of ${r.backlogTasks} tasks)`);
  lines.push("");
  lines.push(renderTable(["agent", "accuracy", "per attempt", "attempts", "to solved", `backlog of ${r.backlogTasks}`], r.candidates.map((c) => [
    `${c.label}: ${c.model} on ${c.hardware}${c.stack ? `, ${c.stack}` : ""}`, pct(c.accuracy), secondsCell(c.attemptSeconds),
    c.expectedAttempts.toFixed(2), secondsCell(c.expectedSecondsToSolve), secondsCell(c.backlogSeconds),
  ]), [false, true, true, true, true, true]));
  const b = r.breakEven;
  const lessStack = b ? r.candidates.find((c) => c.label === b.lessAccurate)?.stack : undefined;
  if (b) {
    lines.push("");
    lines.push(`break-even: ${b.lessAccurate} (less accurate) clears the backlog first if an attempt takes under ${formatSeconds(b.requiredAttemptSeconds)},`);
    lines.push(`i.e. ${b.requiredSpeedup.toFixed(2)}x faster per attempt than ${b.moreAccurate}; it is ${b.actualSpeedup.toFixed(2)}x faster: ${b.clearsBacklogFirst ? "it clears the backlog first" : "it does not clear the backlog first"}.`);
    lines.push(b.requiredTokensPerSecondPerUser === null
      ? `no decode speed is enough: ${b.lessAccurate}'s tools and overheads alone exceed the break-even time.`
      : `decode speed needed per user, as the user sees it (model + ${lessStack ?? "no stack"}${lessStack ? "'s per-token overhead" : ""}): ${formatCount(b.requiredTokensPerSecondPerUser)} tok/s (it has ${formatCount(b.actualTokensPerSecondPerUser)} tok/s).`);
  }
  return lines.join("\n");
}

export function registerSession(program: Command, out: (s: string) => void): void {
  addSessionOptions(program.command("session").description("a coding-agent task turn by turn: wall time, timeline, and the split model / tools / serving overhead"))
    .action(async (f: SessionFlags) => {
      const { simulateSession } = await import("../agent/session.js");
      const { reportWarnings } = await import("./predict.js");
      const r = assertFinite(simulateSession(sessionOptions(f)), "session"); // harden: results are numbers
      // SessionResult carries warnings once the engine gives them (see the report to the lead)
      reportWarnings((r as { warnings?: readonly Warning[] }).warnings);
      out(f.json ? JSON.stringify(r, null, 2) : renderSession(r));
    });

  addSessionOptions(program.command("solved").description("expected time to a solved task with retries, and the break-even speed of a less accurate agent"))
    .option("--accuracy <p>", "per-attempt success rate; default: the task profile's figure for the model", fraction("--accuracy", { aboveZero: true }))
    .option("--vs-model <id|file>", "a second agent to compare: its model")
    .option("--vs-hardware <id|file>", "the second agent's hardware")
    .option("--vs-chips <N>", "the second agent's chips", wholeNumber("--vs-chips"))
    .option("--vs-stack <id|file>", "the second agent's serving stack")
    .option("--vs-batch <B>", "the second agent's batch", wholeNumber("--vs-batch"))
    .option("--vs-accuracy <p>", "the second agent's per-attempt success rate", fraction("--vs-accuracy", { aboveZero: true }))
    .option("--backlog <N>", "tasks in the backlog", wholeNumber("--backlog"), 100)
    .action(async (f: SolvedFlags) => {
      const { simulateSession } = await import("../agent/session.js");
      const { loadTask } = await import("../agent/profile.js");
      const { accuracyFor, solved } = await import("../agent/solved.js");
      if ((f.vsModel === undefined) !== (f.vsHardware === undefined)) {
        throw inputError({ file: f.vsModel === undefined ? "--vs-hardware" : "--vs-model", path: "", problem: "a second agent needs both --vs-model and --vs-hardware", expected: "both flags or neither" });
      }
      const task = loadTask(f.task);
      const agent = (label: string, flag: string, o: ReturnType<typeof sessionOptions>, given: number | undefined) => {
        const session = simulateSession({ ...o, task });
        const acc = accuracyFor(task.accuracy, session.model.id, given, flag);
        if ("missing" in acc) {
          throw inputError({ file: flag, path: "", problem: `no per-attempt success rate for model ${session.model.id} in ${task.file}`, expected: `${flag} <p>, or a model with a figure in the profile (${acc.missing})` });
        }
        return { label, session, accuracy: acc };
      };
      const cands = [agent("A", "--accuracy", sessionOptions(f), f.accuracy)];
      if (f.vsModel !== undefined && f.vsHardware !== undefined) {
        const vs = sessionOptions({
          task: f.task, model: f.vsModel, hardware: f.vsHardware,
          ...(f.vsChips !== undefined ? { chips: f.vsChips } : {}),
          ...(f.vsStack !== undefined ? { stack: f.vsStack } : {}),
          ...(f.vsBatch !== undefined ? { batch: f.vsBatch } : {}),
          ...(f.precision !== undefined ? { precision: f.precision } : {}),
        });
        // harden: errors of the second agent name its --vs-* flags, not --model
        cands.push(asFlags({ "--model": "--vs-model", "--hardware": "--vs-hardware", "--stack": "--vs-stack", "--chips": "--vs-chips", "--batch": "--vs-batch" }, () => agent("B", "--vs-accuracy", vs, f.vsAccuracy)));
      }
      const r = assertFinite(solved(task.id, cands, f.backlog), "solved"); // harden: results are numbers
      out(f.json ? JSON.stringify(r, null, 2) : renderSolved(r));
    });
}
