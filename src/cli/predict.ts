import type { Command } from "commander";
import { Option } from "commander";
import { inputError } from "../errors.js";
import { assertFinite } from "../io/finite.js";
import type { Prediction } from "../engine/predict.js";
import type { Warning } from "../engine/types.js";
import type { WeightFormat } from "../model/arch.js";
import type { Layer } from "../scenario/load.js";
import type { StackedPrediction, StackSummary } from "../stack/apply.js";
import { formatCount, formatParams } from "../units/format.js";
import { choicesHelp } from "./choices.js";
import { fraction, wholeNumber } from "./options.js";
import { addSetOption, blameFlags, checkSetConflicts, flagLayers, setLayers } from "./set.js";
import { paragraph, renderTable, secondsCell, shareCell, siCell, withBand } from "./table.js";

export interface PredictFlags {
  model: string;
  hardware: string;
  chips?: number;
  precision?: WeightFormat;
  batch: number;
  promptTokens: number;
  outputTokens: number;
  specDraftTokens?: number;
  specAcceptance?: number;
  specDraftModel?: string;
  stackSpeculation?: boolean;
  software?: string;
  coresPerLayer?: number;
  tensorParallel?: number;
  pipelineStages?: number;
  memoryFraction?: number;
  expertPlacement?: "sliced" | "per-expert";
  stack?: string;
  json?: boolean;
  set?: string[];
}

/** The prediction flags shared by predict, compare and later commands. */
export function addPredictionOptions(cmd: Command, opts: { hardwareRequired: boolean } = { hardwareRequired: true }): Command {
  cmd.requiredOption("--model <id|file>", "model id, our YAML file, or a Hugging Face config.json");
  if (opts.hardwareRequired) cmd.requiredOption("--hardware <id|file>", "hardware id or YAML file");
  cmd
    .option("--chips <N>", "number of chips (GPUs or wafers); default: the fewest that fit", wholeNumber("--chips"))
    .addOption(new Option("--precision <format>", "weight format; default: the model's native one").choices(["bf16", "fp8", "int8", "fp4", "int4"]))
    .option("--batch <B>", "concurrent users", wholeNumber("--batch"), 1)
    .option("--prompt-tokens <P>", "prompt length", wholeNumber("--prompt-tokens"), 1024)
    .option("--output-tokens <O>", "output length", wholeNumber("--output-tokens"), 256)
    .option("--spec-draft-tokens <K>", "speculative decoding: draft tokens per step", wholeNumber("--spec-draft-tokens"))
    .option("--spec-acceptance <A>", "speculative decoding: probability each draft token is accepted", fraction("--spec-acceptance"))
    .option("--spec-draft-model <id|file>", "draft model for speculative decoding; default: a one-layer draft head")
    .option("--stack-speculation", "speculate as the software set declares (its draft and length, its fitted acceptance), as its vendor said it serves")
    .option("--software <id>", "software stack whose fitted parameters to use; default: the hardware's default")
    .option("--cores-per-layer <N>", "wafer only: cores each layer occupies (as in WaferLLM's per-grid benchmarks); default: the region that serves best", wholeNumber("--cores-per-layer"))
    .option("--tensor-parallel <T>", "GPU only: tensor-parallel width; default: the layout that serves a request fastest on the chips", wholeNumber("--tensor-parallel"))
    .option("--pipeline-stages <S>", "GPU only: pipeline stages; default: the fewest that hold the model", wholeNumber("--pipeline-stages"))
    .option("--memory-fraction <F>", "GPU only: fraction of the memory left after weights and runtime reserve given to the KV cache; default: the software set's", fraction("--memory-fraction", { aboveZero: true }))
    .addOption(new Option("--expert-placement <how>", "wafer only: MoE experts sliced over a layer's region (default) or one per sub-region").choices(["sliced", "per-expert"]))
    .option("--stack <id|file>", "serving stack (models/stacks) whose overheads are added to TTFT and per-token time; default: none")
    .option("--json", "one JSON object instead of a table");
  return choicesHelp(addSetOption(cmd));
}

/** The flags (and --set) of predict and compare as scenario layers: one key system for both. */
export function predictionLayers(f: PredictFlags, hardware = f.hardware): Layer[] {
  if ((f.specDraftTokens === undefined) !== (f.specAcceptance === undefined)) {
    throw inputError({ file: f.specDraftTokens === undefined ? "--spec-draft-tokens" : "--spec-acceptance", path: "", problem: "speculative decoding needs both --spec-draft-tokens and --spec-acceptance", expected: "both flags or neither" });
  }
  if (f.stackSpeculation === true && (f.specDraftTokens !== undefined || f.specDraftModel !== undefined)) {
    throw inputError({ file: "--stack-speculation", path: "", problem: `cannot be combined with ${f.specDraftTokens !== undefined ? "--spec-draft-tokens/--spec-acceptance" : "--spec-draft-model"}`, expected: "one way of speculating" });
  }
  if (f.specDraftModel !== undefined && f.specDraftTokens === undefined) {
    throw inputError({ file: "--spec-draft-model", path: "", problem: "a draft model without speculative decoding", expected: "--spec-draft-tokens and --spec-acceptance as well" });
  }
  return [
    ...flagLayers({
      "--model": f.model, "--hardware": hardware, "--chips": f.chips, "--precision": f.precision, "--software": f.software,
      "--cores-per-layer": f.coresPerLayer, "--tensor-parallel": f.tensorParallel, "--pipeline-stages": f.pipelineStages,
      "--memory-fraction": f.memoryFraction, "--expert-placement": f.expertPlacement, "--batch": f.batch, "--prompt-tokens": f.promptTokens, "--output-tokens": f.outputTokens,
      "--spec-draft-tokens": f.specDraftTokens !== undefined && f.specAcceptance !== undefined ? { draftTokens: f.specDraftTokens, acceptance: f.specAcceptance } : undefined,
      "--spec-draft-model": f.specDraftModel, "--stack-speculation": f.stackSpeculation === true ? "stack" : undefined, "--stack": f.stack,
    }),
    ...setLayers(f.set),
  ];
}

/**
 * The prediction of the command line's layers, through the scenario machinery (the same keys,
 * what-ifs and checks as a scenario file), with the serving stack applied when one is given.
 */
export async function predictLayers(layers: readonly Layer[]): Promise<Prediction> {
  const { scenarioFromLayers } = await import("../scenario/load.js");
  const { makePlan } = await import("../scenario/plan.js");
  return blameFlags(async () => {
    const plan = await makePlan(scenarioFromLayers("command line", layers));
    return plan.predictionAt(0).stacked as Prediction;
  });
}

const PART_LABELS: Readonly<Record<string, string>> = {
  compute: "compute", memory: "memory (weights, KV)", mesh: "mesh hops", sync: "sync / all-reduce start",
  interconnect: "chip-to-chip", overhead: "step overhead", draft: "draft model",
};

const TTFT_LABELS: Readonly<Record<string, string>> = {
  network: "network", sessionStartup: "session start-up", requestHandling: "request handling", queueing: "queueing",
  prefill: "prefill", firstDecodeStep: "first decode step",
};

/** The serving stack a prediction went through (src/stack's StackedPrediction), if any. */
export function stackOf(p: Prediction): StackSummary | undefined {
  return (p as Partial<StackedPrediction>).stack;
}

/** What a speed includes: the model alone, or the model and a stack's per-token overhead. */
export function includesText(p: Prediction): string {
  const st = stackOf(p);
  return st ? `model + ${st.id}'s per-token overhead` : "model only, no serving stack";
}

/**
 * Where one output token's time goes: the model's parts and, with a stack, its per-token
 * overhead, so that the parts add up to the time per output token of the headline.
 */
export function perTokenParts(p: Prediction): { label: string; seconds: number }[] {
  const parts = Object.entries(p.breakdown.decode).filter(([, v]) => v > 0).map(([k, v]) => ({ label: PART_LABELS[k] ?? k, seconds: v }));
  const st = stackOf(p);
  return st ? [...parts, { label: `serving stack ${st.id}: per-token overhead`, seconds: st.perTokenOverheadSeconds }] : parts;
}

/** The bands' bases and assumed parameters, in one line (empty when the prediction has no band). */
function bandNote(p: Prediction): string {
  const bands = Object.values(p.uncertainty);
  if (bands.length === 0) return "";
  const assumed = [...new Set(bands.flatMap((b) => b.assumed))];
  return `bands (low-high): ${[...new Set(bands.map((b) => b.basis))].join("; ")}${assumed.length > 0 ? `; assumed, no reference identifies them: ${assumed.join(", ")}` : ""}`;
}

export function renderPrediction(p: Prediction): string {
  const lines: string[] = [];
  const u = p.uncertainty;
  const chips = `${p.hardware.chips} x ${p.hardware.id}${p.hardware.kind === "gpu" && p.hardware.chips > 1 ? ` (TP ${p.hardware.tensorParallel}${p.hardware.pipelineStages > 1 ? `, PP ${p.hardware.pipelineStages}` : ""})` : ""}`;
  const fmt = p.weightFormat.default === p.weightFormat.experts ? p.weightFormat.default : `${p.weightFormat.default}, experts ${p.weightFormat.experts}`;
  const st = stackOf(p);
  lines.push(`${p.model.id} (${formatParams(p.model.totalParams)} total, ${formatParams(p.model.activeParams)} active) on ${chips}`);
  lines.push(`weights ${fmt}${p.precisionSource === "native" ? " (native)" : ""}; software ${p.software.id} (parameters ${p.software.provenance.method} ${p.software.provenance.date}); serving stack ${st ? st.id : "none"}`);
  lines.push(`workload: batch ${p.workload.batch}, prompt ${formatCount(p.workload.promptTokens)} tokens, output ${formatCount(p.workload.outputTokens)} tokens${p.speculation ? `; speculative decoding k=${p.speculation.draftTokens}, acceptance ${p.speculation.acceptance} -> ${p.speculation.tokensPerStep.toFixed(2)} tokens/step (${p.speculation.draft})` : ""}`);
  if (p.model.assumption) lines.push(paragraph(`note: assumed architecture: ${p.model.assumption}`));
  lines.push("");
  const incl = st ? ` (${includesText(p)})` : "";
  lines.push(renderTable(["result", "value"], [
    [`decode speed per user${incl}`, withBand(p.decode.tokensPerSecondPerUser, u["decode.tokensPerSecondPerUser"], "rate")],
    [`time per output token${incl}`, withBand(p.decode.timePerOutputTokenSeconds, u["decode.timePerOutputTokenSeconds"], "time")],
    ["aggregate throughput", withBand(p.decode.aggregateTokensPerSecond, u["decode.aggregateTokensPerSecond"], "rate")],
    ["decode bound", p.decode.bound],
    ["roofline per user (model)", `${formatCount(p.decode.rooflineTokensPerSecondPerUser)} tok/s`],
    ["prefill", `${withBand(p.prefill.seconds, u["prefill.seconds"], "time")} (${p.prefill.bound})`],
    [`time to first token${st ? ` (model + ${st.id})` : ""}`, withBand(p.ttftSeconds, u["ttftSeconds"], "time")],
    ["whole request", withBand(p.requestSeconds, u["requestSeconds"], "time")],
    ["memory", `${siCell(p.memory.weightBytes, "B")} weights + ${siCell(p.memory.kvCacheBytes, "B")} KV of ${siCell(p.memory.usableBytes, "B")} usable (${p.memory.fits ? "fits" : "does not fit"})`],
    ["layout", `${p.placement.layout}${p.placement.expertPlacement ? `; experts ${p.placement.expertPlacement}` : ""}`],
    ...(p.speculation ? [["without speculation", `${formatCount(p.speculation.plainTokensPerSecondPerUser)} tok/s per user`]] : []),
  ]));
  const note = bandNote(p);
  if (note !== "") lines.push(paragraph(note));
  lines.push("");
  lines.push(`where one output token's time goes (${includesText(p)})`);
  const tot = p.decode.timePerOutputTokenSeconds;
  lines.push(renderTable(["part", "time", "share"], [
    ...perTokenParts(p).map((x) => [x.label, secondsCell(x.seconds), shareCell(x.seconds / tot)]),
    ["time per output token", secondsCell(tot), shareCell(1)],
  ], [false, true, true]));
  const ttft = (p.breakdown as Partial<StackedPrediction["breakdown"]>).ttft;
  if (ttft && st) {
    lines.push("");
    lines.push(`where time to first token goes (model + ${st.id})`);
    lines.push(renderTable(["part", "time", "share"], [
      ...Object.entries(ttft).map(([k, v]) => [TTFT_LABELS[k] ?? k, secondsCell(v), shareCell(v / p.ttftSeconds)]),
      ["time to first token", secondsCell(p.ttftSeconds), shareCell(1)],
    ], [false, true, true]));
  }
  return lines.join("\n");
}

/** Warnings, one line each, for stderr: "warning: <context>: <message> [<code>]". */
export function warningLines(ws: readonly Warning[] | undefined, context = ""): string[] {
  return (ws ?? []).map((w) => `warning: ${context ? `${context}: ` : ""}${w.message} [${w.code}]`);
}

/** Writes a result's warnings to stderr, one line each (they stay in its JSON `warnings`). */
export function reportWarnings(ws: readonly Warning[] | undefined, context = "", write: (s: string) => void = (s) => process.stderr.write(s)): void {
  for (const line of warningLines(ws, context)) write(`${line}\n`);
}

export function registerPredict(program: Command, out: (s: string) => void): void {
  addPredictionOptions(program.command("predict").description("predict decode speed, throughput, prefill and time to first token, with a breakdown"))
    .option("--power <file|k=v>", "power data for the energy per token: a YAML like models/power/*.yaml, or chipWatts=..,hostWatts=..,pue=..")
    .option("--price <file|k=v>", "price data for the cost per token: a YAML like models/prices/*.yaml, or dollarsPerChipHour=..,purchaseDollarsPerChip=..,amortisationYears=..,dollarsPerKilowattHour=..")
    .action(async (f: PredictFlags & { power?: string; price?: string }, cmd: Command) => {
      checkSetConflicts(cmd, f.set);
      const p = assertFinite(await predictLayers(predictionLayers(f)), "predict"); // harden: results are numbers
      reportWarnings(p.warnings);
      // issue 14: $ per million output tokens and J per output token at the predicted aggregate throughput
      const cost = await costLine(p, { ...(f.power !== undefined ? { power: f.power } : {}), ...(f.price !== undefined ? { price: f.price } : {}) });
      out(f.json ? JSON.stringify({ ...p, cost: cost.json }, null, 2) : `${renderPrediction(p)}\n${cost.text}`);
    });
}

/** issue 14: the cost and energy of a prediction (src/capacity/cost.ts), as a JSON field and one line of text. */
export async function costLine(p: Prediction, data: { power?: string; price?: string } = {}): Promise<{ json: { dollarsPerMillionOutputTokens: number | null; joulesPerOutputToken: number | null }; text: string }> {
  const { costFor } = await import("../capacity/cost.js");
  const c = costFor(p.hardware.id, p.hardware.chips, p.decode.aggregateTokensPerSecond, data);
  const money = c.dollarsPerMillionOutputTokens === null ? "no price data" : `$${c.dollarsPerMillionOutputTokens.toFixed(3)} per million output tokens (${c.basis})`;
  const energy = c.joulesPerOutputToken === null ? "no power data" : `${c.joulesPerOutputToken.toFixed(3)} J per output token at rated power`;
  return { json: { dollarsPerMillionOutputTokens: c.dollarsPerMillionOutputTokens, joulesPerOutputToken: c.joulesPerOutputToken }, text: `cost: ${money}; energy: ${energy}` };
}
