import type { Command } from "commander";
import { Option } from "commander";
import { inputError } from "../errors.js";
import { assertFinite } from "../io/finite.js";
import type { Prediction } from "../engine/predict.js";
import type { PredictOptions } from "../engine/types.js";
import type { WeightFormat } from "../model/arch.js";
import { formatCount, formatParams, formatSeconds, formatSi } from "../units/format.js";
import { fraction, wholeNumber } from "./options.js";
import { renderTable } from "./table.js";

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
  software?: string;
  coresPerLayer?: number;
  stack?: string;
  json?: boolean;
}

/** The prediction flags shared by predict, compare and later commands. */
export function addPredictionOptions(cmd: Command, opts: { hardwareRequired: boolean } = { hardwareRequired: true }): Command {
  cmd.requiredOption("--model <id|file>", "model id, our YAML file, or a Hugging Face config.json");
  if (opts.hardwareRequired) cmd.requiredOption("--hardware <id|file>", "hardware id or YAML file");
  return cmd
    .option("--chips <N>", "number of chips (GPUs or wafers); default: the fewest that fit", wholeNumber("--chips"))
    .addOption(new Option("--precision <format>", "weight format; default: the model's native one").choices(["bf16", "fp8", "int8", "fp4", "int4"]))
    .option("--batch <B>", "concurrent users", wholeNumber("--batch"), 1)
    .option("--prompt-tokens <P>", "prompt length", wholeNumber("--prompt-tokens"), 1024)
    .option("--output-tokens <O>", "output length", wholeNumber("--output-tokens"), 256)
    .option("--spec-draft-tokens <K>", "speculative decoding: draft tokens per step", wholeNumber("--spec-draft-tokens"))
    .option("--spec-acceptance <A>", "speculative decoding: probability each draft token is accepted", fraction("--spec-acceptance"))
    .option("--spec-draft-model <id|file>", "draft model for speculative decoding; default: a one-layer draft head")
    .option("--software <id>", "software stack whose fitted parameters to use; default: the hardware's default")
    .option("--cores-per-layer <N>", "wafer only: cores each layer occupies (as in WaferLLM's per-grid benchmarks); default: the wafer's cores shared evenly", wholeNumber("--cores-per-layer"))
    .option("--stack <id|file>", "serving stack (models/stacks) whose overheads are added to TTFT and per-token time; default: none")
    .option("--json", "one JSON object instead of a table");
}

export function toPredictOptions(f: PredictFlags, hardware = f.hardware): PredictOptions {
  if ((f.specDraftTokens === undefined) !== (f.specAcceptance === undefined)) {
    throw inputError({ file: f.specDraftTokens === undefined ? "--spec-draft-tokens" : "--spec-acceptance", path: "", problem: "speculative decoding needs both --spec-draft-tokens and --spec-acceptance", expected: "both flags or neither" });
  }
  if (f.specDraftModel !== undefined && f.specDraftTokens === undefined) {
    throw inputError({ file: "--spec-draft-model", path: "", problem: "a draft model without speculative decoding", expected: "--spec-draft-tokens and --spec-acceptance as well" });
  }
  return {
    model: f.model, hardware,
    batch: f.batch, promptTokens: f.promptTokens, outputTokens: f.outputTokens,
    ...(f.chips !== undefined ? { chips: f.chips } : {}),
    ...(f.precision !== undefined ? { precision: f.precision } : {}),
    ...(f.specDraftTokens !== undefined && f.specAcceptance !== undefined ? { speculation: { draftTokens: f.specDraftTokens, acceptance: f.specAcceptance } } : {}),
    ...(f.specDraftModel !== undefined ? { draftModel: f.specDraftModel } : {}),
    ...(f.software !== undefined ? { software: f.software } : {}),
    ...(f.coresPerLayer !== undefined ? { coresPerLayer: f.coresPerLayer } : {}),
  };
}

const PART_LABELS: Readonly<Record<string, string>> = {
  compute: "compute", memory: "memory (weights, KV)", mesh: "mesh hops", sync: "sync / all-reduce start",
  interconnect: "chip-to-chip", overhead: "step overhead", draft: "draft model",
};

/** Adds the serving stack named by --stack, if any (src/stack, loaded only when asked). */
export async function withStackFlag(p: Prediction, stack: string | undefined): Promise<Prediction> {
  if (stack === undefined) return p;
  const { applyStack } = await import("../stack/index.js");
  return applyStack(p, stack);
}

const TTFT_LABELS: Readonly<Record<string, string>> = {
  network: "network", sessionStartup: "session start-up", requestHandling: "request handling", queueing: "queueing",
  prefill: "prefill", firstDecodeStep: "first decode step",
};

export function renderPrediction(p: Prediction): string {
  const lines: string[] = [];
  const chips = `${p.hardware.chips} x ${p.hardware.id}${p.hardware.kind === "gpu" && p.hardware.chips > 1 ? ` (TP ${p.hardware.tensorParallel}${p.hardware.pipelineStages > 1 ? `, PP ${p.hardware.pipelineStages}` : ""})` : ""}`;
  const fmt = p.weightFormat.default === p.weightFormat.experts ? p.weightFormat.default : `${p.weightFormat.default}, experts ${p.weightFormat.experts}`;
  lines.push(`${p.model.id} (${formatParams(p.model.totalParams)} total, ${formatParams(p.model.activeParams)} active) on ${chips}`);
  lines.push(`weights ${fmt}${p.precisionSource === "native" ? " (native)" : ""}; software ${p.software.id} (parameters ${p.software.provenance.method} ${p.software.provenance.date})`);
  lines.push(`workload: batch ${p.workload.batch}, prompt ${formatCount(p.workload.promptTokens)} tokens, output ${formatCount(p.workload.outputTokens)} tokens${p.speculation ? `; speculative decoding k=${p.speculation.draftTokens}, acceptance ${p.speculation.acceptance} -> ${p.speculation.tokensPerStep.toFixed(2)} tokens/step (${p.speculation.draft})` : ""}`);
  if (p.model.assumption) lines.push(`note: assumed architecture: ${p.model.assumption}`);
  lines.push("");
  lines.push(renderTable(["result", "value"], [
    ["decode speed per user", `${formatCount(p.decode.tokensPerSecondPerUser)} tok/s`],
    ["time per output token", formatSeconds(p.decode.timePerOutputTokenSeconds)],
    ["aggregate throughput", `${formatCount(p.decode.aggregateTokensPerSecond)} tok/s`],
    ["decode bound", p.decode.bound],
    ["roofline per user", `${formatCount(p.decode.rooflineTokensPerSecondPerUser)} tok/s`],
    ["prefill", `${formatSeconds(p.prefill.seconds)} (${p.prefill.bound})`],
    ["time to first token", formatSeconds(p.ttftSeconds)],
    ["whole request", formatSeconds(p.requestSeconds)],
    ["memory", `${formatSi(p.memory.weightBytes, "B")} weights + ${formatSi(p.memory.kvCacheBytes, "B")} KV of ${formatSi(p.memory.usableBytes, "B")} usable (${p.memory.fits ? "fits" : "does not fit"})`],
  ], [false, true]));
  lines.push("");
  lines.push("where one output token's time goes");
  const parts = Object.entries(p.breakdown.decode).filter(([, v]) => v > 0);
  const tot = parts.reduce((s, [, v]) => s + v, 0);
  lines.push(renderTable(["part", "time", "share"], parts.map(([k, v]) => [PART_LABELS[k] ?? k, formatSeconds(v), `${((100 * v) / tot).toFixed(1)}%`]), [false, true, true]));
  const ttft = (p.breakdown as { ttft?: Readonly<Record<string, number>> }).ttft;
  const stack = (p as { stack?: { id: string; perTokenOverheadSeconds: number } }).stack;
  if (ttft && stack) {
    lines.push("");
    lines.push(`where time to first token goes (stack ${stack.id}; its per-token overhead ${formatSeconds(stack.perTokenOverheadSeconds)} is in the time per output token)`);
    lines.push(renderTable(["part", "time", "share"], Object.entries(ttft).map(([k, v]) => [TTFT_LABELS[k] ?? k, formatSeconds(v), `${((100 * v) / p.ttftSeconds).toFixed(1)}%`]), [false, true, true]));
  }
  return lines.join("\n");
}

export function registerPredict(program: Command, out: (s: string) => void): void {
  addPredictionOptions(program.command("predict").description("predict decode speed, throughput, prefill and time to first token, with a breakdown"))
    .action(async (f: PredictFlags) => {
      const { predict } = await import("../engine/predict.js");
      const p = assertFinite(await withStackFlag(predict(toPredictOptions(f)), f.stack), "predict"); // harden: results are numbers
      out(f.json ? JSON.stringify(p, null, 2) : renderPrediction(p));
    });
}
