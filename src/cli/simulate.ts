import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Command } from "commander";
import { Option } from "commander";
import { inputError } from "../errors.js";
import type { WeightFormat } from "../model/arch.js";
import type { SimulateOptions, SimulationReport } from "../serving/run.js";
import type { FinishedRequest } from "../serving/simulate.js";
import type { Summary } from "../serving/stats.js";
import { formatCount, formatSeconds } from "../units/format.js";
import { fraction, wholeNumber } from "./options.js";
import { addSetOption, blameFlags, flagLayers, SET_FILE, setLayers } from "./set.js";
import { renderTable } from "./table.js";

export interface SimulateFlags {
  set?: string[];
  model: string;
  hardware: string;
  chips?: number;
  replicas?: number;
  precision?: WeightFormat;
  software?: string;
  rate?: number[];
  arrivalCv?: number;
  trace?: string;
  users?: number;
  task?: string;
  requests?: number;
  duration?: number;
  promptTokens?: string;
  outputTokens?: string;
  scheduler?: "continuous" | "static";
  routing?: "round-robin" | "least-outstanding" | "shared-queue";
  tokenBudget?: number;
  maxSeqs?: number;
  blockSize?: number;
  memoryFraction?: number;
  prefixCache?: number;
  prefillReplicas?: number;
  decodeReplicas?: number;
  slo?: string;
  seed: number;
  power?: string;
  price?: string;
  json?: boolean;
  requestsOut?: string;
  chart?: string;
}

function positive(flag: string) {
  return (text: string): number => {
    const v = Number(text);
    if (text.trim() === "" || !Number.isFinite(v) || v <= 0) throw inputError({ file: flag, path: "", problem: "not a positive number", got: JSON.stringify(text), expected: "a number above 0" });
    return v;
  };
}

function rates(text: string): number[] {
  return text.split(",").map((x) => positive("--rate")(x.trim()));
}

/** The flags simulate and capacity share: model, hardware, lengths, scheduler, SLO, cost data. */
export function addServingOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--model <id|file>", "model id, our YAML file, or a Hugging Face config.json")
    .addOption(new Option("--precision <format>", "weight format; default: the model's native one").choices(["bf16", "fp8", "int8", "fp4", "int4"]))
    .option("--software <id>", "software stack whose fitted parameters to use; default: the hardware's default")
    .option("--prompt-tokens <N|DIST>", 'prompt length: a number, or "lognormal:mean=2000,cv=1.5" (default 1024)')
    .option("--output-tokens <N|DIST>", 'output length: a number, or "lognormal:mean=300,cv=1" (default 256)')
    .option("--users <N>", "agent traffic: N agents, each running --task sessions", wholeNumber("--users"))
    .option("--task <id|file>", "agent traffic: task profile (models/tasks)")
    .option("--requests <N>", "requests to issue (default 1000 with --rate; every row of a --trace; one task per agent)", wholeNumber("--requests"))
    .option("--duration <seconds>", "issue requests for this long", positive("--duration"))
    .option("--arrival-cv <CV>", "bursty arrivals: gamma-distributed gaps with this coefficient of variation (1 = Poisson)", positive("--arrival-cv"))
    .addOption(new Option("--scheduler <kind>", "continuous batching (vLLM-like) or static batching").choices(["continuous", "static"]).default("continuous"))
    .addOption(new Option("--routing <policy>", "how requests go to replicas").choices(["round-robin", "least-outstanding", "shared-queue"]).default("least-outstanding"))
    .option("--token-budget <N>", "GPU: tokens per iteration, decodes and prefill chunks together (default 2048, vLLM's)", wholeNumber("--token-budget"))
    .option("--max-seqs <N>", "sequences running at once per replica (default 128, vLLM's; a wafer also at most its pipeline slots)", wholeNumber("--max-seqs"))
    .option("--block-size <N>", "KV-cache block in tokens (default 16, vLLM's)", wholeNumber("--block-size"))
    .option("--memory-fraction <f>", "GPU: share of HBM the engine may use for weights and KV (default: the fitted usableMemoryFraction)", fraction("--memory-fraction", { aboveZero: true }))
    .option("--prefix-cache <share>", "share of each prompt served from the prefix cache", fraction("--prefix-cache"))
    .option("--slo <spec>", 'latency target, e.g. "ttft=1s,tpot=20ms" (goodput counts requests meeting both)')
    .option("--seed <S>", "random seed: the same seed gives byte-identical output", wholeNumber("--seed", 0), 1)
    .option("--power <file|k=v>", "power data: a YAML like models/power/*.yaml, or chipWatts=..,hostWatts=..,pue=..")
    .option("--price <file|k=v>", "price data: a YAML like models/prices/*.yaml, or dollarsPerChipHour=..,purchaseDollarsPerChip=..,amortisationYears=..,dollarsPerKilowattHour=..")
    .option("--json", "one JSON object instead of a table");
}

/** The entries of `o` that are set (exactOptionalPropertyTypes: an option left out is absent, not undefined). */
function definedOnly(o: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export async function toSimulateOptions(f: Omit<SimulateFlags, "rate" | "hardware" | "json" | "requestsOut" | "chart">, hardware: string, rate?: number): Promise<SimulateOptions> {
  const { parseLength } = await import("../serving/lengths.js");
  const { parseSlo } = await import("../serving/run.js");
  return {
    model: f.model, hardware, seed: f.seed,
    ...definedOnly({
      chips: f.chips, replicas: f.replicas, precision: f.precision, software: f.software, rate, arrivalCv: f.arrivalCv, trace: f.trace,
      users: f.users, task: f.task, requests: f.requests, durationSeconds: f.duration, scheduler: f.scheduler, routing: f.routing,
      tokenBudget: f.tokenBudget, maxSeqs: f.maxSeqs, blockSize: f.blockSize, memoryFraction: f.memoryFraction, prefixHit: f.prefixCache,
      prefillReplicas: f.prefillReplicas, decodeReplicas: f.decodeReplicas, power: f.power, price: f.price,
      promptTokens: f.promptTokens !== undefined ? parseLength("--prompt-tokens", f.promptTokens) : undefined,
      outputTokens: f.outputTokens !== undefined ? parseLength("--output-tokens", f.outputTokens) : undefined,
      slo: f.slo !== undefined ? parseSlo(f.slo) : undefined,
    }),
  } as SimulateOptions;
}

const CSV_COLUMNS = ["id", "arrivalSeconds", "promptTokens", "outputTokens", "cachedTokens", "replica", "queueSeconds", "ttftSeconds", "tpotSeconds", "e2eSeconds", "preemptions", "agent", "turn"] as const;

const num = (v: number) => (Number.isFinite(v) ? String(Math.round(v * 1e9) / 1e9) : "");

/**
 * The --requests-out CSV, written as requests finish (64 kB at a time) into a temporary file
 * beside the target, renamed into place only when the run succeeds: memory stays bounded and a
 * failed run leaves no partial file.
 */
export class RequestsCsv {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  private readonly temp: string;

  constructor(readonly path: string) {
    this.temp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(this.temp, "w");
    } catch (err) {
      throw inputError({ file: "--requests-out", path: "", problem: `cannot write there (${(err as NodeJS.ErrnoException).code ?? "error"})`, got: JSON.stringify(path), expected: "a file path in a writable folder" }, err);
    }
    this.push(`${CSV_COLUMNS.join(",")}\n`);
  }

  private push(s: string): void {
    this.buf.push(s);
    this.size += s.length;
    if (this.size > 65536) this.flush();
  }

  private flush(): void {
    if (this.buf.length > 0) writeSync(this.fd, this.buf.join(""));
    this.buf = [];
    this.size = 0;
  }

  add = (r: FinishedRequest): void => {
    this.push(`${r.id},${num(r.arrivalSeconds)},${r.promptTokens},${r.outputTokens},${r.cachedTokens},${r.replica},${num(r.queueSeconds)},${num(r.ttftSeconds)},${num(r.tpotSeconds)},${num(r.e2eSeconds)},${r.preemptions},${r.agent >= 0 ? r.agent : ""},${r.turn >= 0 ? r.turn : ""}\n`);
  };

  finish(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.temp, this.path);
  }

  abandon(): void {
    try { closeSync(this.fd); } catch { /* already closed */ }
    rmSync(this.temp, { force: true });
  }
}

const sec = (v: number) => formatSeconds(v);
const row = (name: string, s: Summary) => [name, sec(s.mean), sec(s.p50), sec(s.p90), sec(s.p99)];

export function renderSimulation(r: SimulationReport): string {
  const d = r.deployment;
  const lines: string[] = [];
  const pools = d.prefillReplicas !== undefined ? `${d.prefillReplicas} prefill + ${d.decodeReplicas} decode replicas` : `${d.replicas} replica${d.replicas === 1 ? "" : "s"}`;
  lines.push(`${d.model} on ${pools} of ${d.chips} x ${d.hardware} (${d.layout}): ${r.chips} chip${r.chips === 1 ? "" : "s"} in all`);
  lines.push(`${r.workload.traffic}; prompt ${r.workload.promptTokens}, output ${r.workload.outputTokens}; ${r.workload.scheduler} scheduler, ${r.workload.routing} routing, seed ${r.workload.seed}`);
  lines.push("");
  lines.push(renderTable(["latency", "mean", "p50", "p90", "p99"], [
    row("time to first token", r.ttftSeconds), row("time per output token", r.tpotSeconds), row("end to end", r.e2eSeconds), row("queueing", r.queueSeconds),
  ], [false, true, true, true, true]));
  lines.push("");
  const t = r.throughput;
  const money = r.cost.dollarsPerMillionOutputTokens;
  const joules = r.cost.joulesPerOutputToken;
  lines.push(renderTable(["result", "value"], [
    ["requests finished", `${formatCount(r.requests)}${r.rejected > 0 ? ` (${formatCount(r.rejected)} rejected: longer than the KV pool)` : ""} in ${sec(r.durationSeconds)}`],
    ["throughput", `${formatCount(t.requestsPerSecond)} req/s, ${formatCount(t.outputTokensPerSecond)} output tok/s (${formatCount(t.outputTokensPerSecondPerChip)} per chip)`],
    ["goodput", r.workload.slo ? `${formatCount(r.goodput.requestsPerSecond)} req/s (${(100 * r.goodput.share).toFixed(1)}% meet the SLO)` : "no --slo given"],
    ["utilisation", `${(100 * r.utilisation).toFixed(1)}% busy, KV cache ${(100 * r.kvOccupancy).toFixed(1)}% full on average, ${formatCount(r.preemptions)} preemptions`],
    ["cost", money === null ? "no price data for this hardware (pass --price)" : `$${money.toFixed(3)} per million output tokens (${r.costDetail.basis})`],
    ["energy", joules === null ? "no power data for this hardware (pass --power)" : `${joules.toFixed(3)} J per output token at rated power`],
    ...(r.tasks ? [["agent tasks", `${r.tasks.count}: p50 ${sec(r.tasks.seconds.p50)}, p90 ${sec(r.tasks.seconds.p90)}, p99 ${sec(r.tasks.seconds.p99)}`]] : []),
  ], [false, false]));
  lines.push(`(quantiles within ${(100 * r.quantileRelativeError).toFixed(1)}%; ${formatCount(r.events)} events)`);
  return lines.join("\n");
}

/** The JSON of one run: the contract fields first, then the rest. */
export function simulationJson(r: SimulationReport): Record<string, unknown> {
  const { requests, durationSeconds, ttftSeconds, tpotSeconds, e2eSeconds, queueSeconds, throughput, goodput, cost, cdf: _cdf, ...rest } = r;
  return { requests, durationSeconds, ttftSeconds, tpotSeconds, e2eSeconds, queueSeconds, throughput, goodput, cost, ...rest };
}

export function registerSimulate(program: Command, out: (s: string) => void): void {
  addSetOption(addServingOptions(program.command("simulate").description("requests under load: a discrete-event simulation of a deployment (latency percentiles, throughput, goodput, cost)")))
    .requiredOption("--hardware <id|file>", "hardware id or YAML file")
    .option("--chips <N>", "chips of one replica (default: the fewest that hold the model)", wholeNumber("--chips"))
    .option("--replicas <R>", "replicas of the deployment (default 1)", wholeNumber("--replicas"))
    .option("--rate <R>", "Poisson arrivals, requests per second; several (1,2,4) run one simulation each", rates)
    .option("--trace <file>", "requests from a trace: CSV (Azure or BurstGPT columns) or JSONL")
    .option("--prefill-replicas <P>", "disaggregated: replicas that only prefill", wholeNumber("--prefill-replicas"))
    .option("--decode-replicas <D>", "disaggregated: replicas that only decode (KV moves over the scale-out link)", wholeNumber("--decode-replicas"))
    .option("--requests-out <file>", "CSV of every request, written as requests finish")
    .option("--chart <dir>", "also draw charts (latency CDFs, occupancy over time; throughput against p99 with several --rate values) as PNG into this folder")
    .action(async (f: SimulateFlags) => {
      const { runSimulation, checkSimulateOptions } = await import("../serving/run.js");
      const list = f.rate ?? [undefined];
      const opts = await Promise.all(list.map((rate) => toSimulateOptions(f, f.hardware, rate)));
      for (const o of opts) checkSimulateOptions(o);
      if (f.requestsOut !== undefined && list.length > 1) throw inputError({ file: "--requests-out", path: "", problem: "one CSV for several rates", expected: "a single --rate with --requests-out" });
      if (f.chart !== undefined) (await import("./chart.js")).checkOutDir(f.chart);
      const csv = f.requestsOut !== undefined ? new RequestsCsv(f.requestsOut) : undefined;
      let reports: SimulationReport[];
      try {
        const { deploymentFor } = await import("../serving/run.js");
        const dep = f.set && f.set.length > 0 ? await whatIfDeployment(f) : deploymentFor(opts[0]!);
        reports = opts.map((o) => runSimulation(csv ? { ...o, onRequest: csv.add } : o, dep));
        csv?.finish();
      } catch (err) {
        csv?.abandon();
        throw err;
      }
      if (f.chart !== undefined) {
        const { servingSpecs } = await import("../charts/serving.js");
        const { renderChart } = await import("../charts/render.js");
        const { writeAll } = await import("./chart.js");
        const specs = servingSpecs(reports);
        writeAll(f.chart, specs.map((s) => ({ path: join(f.chart!, `simulate-${s.id}.png`), bytes: renderChart(s, "png") })));
      }
      if (f.json) out(JSON.stringify(reports.length === 1 ? simulationJson(reports[0]!) : { runs: reports.map(simulationJson) }, null, 2));
      else out(reports.map(renderSimulation).join("\n\n"));
    });
}

/** The table of a scenario with a simulate: or capacity: section (`wafersim run`): one row per point. */
export function renderServingTable(axes: readonly string[], points: readonly { readonly axes: Readonly<Record<string, unknown>>; readonly metrics: Readonly<Record<string, unknown>>; readonly note: string }[]): string {
  const capacity = points.some((p) => "capacity.chips" in p.metrics);
  const cols: readonly (readonly [string, string, "s" | "n" | "$" | "%"])[] = capacity
    ? [["capacity.chips", "chips", "n"], ["capacity.replicas", "replicas", "n"], ["capacity.meetsSlo", "meets SLO", "n"], ["capacity.ttftSeconds", "p99 TTFT", "s"], ["capacity.tpotSeconds", "p99 TPOT", "s"], ["capacity.cost", "$/M out tok", "$"], ["capacity.energy", "J/out tok", "n"]]
    : [["hardware.chips", "chips", "n"], ["simulate.ttftSeconds.p50", "TTFT p50", "s"], ["simulate.ttftSeconds.p99", "TTFT p99", "s"], ["simulate.tpotSeconds.p99", "TPOT p99", "s"], ["simulate.e2eSeconds.p99", "e2e p99", "s"],
      ["simulate.throughput.outputTokensPerSecond", "out tok/s", "n"], ["simulate.goodput.share", "goodput", "%"], ["simulate.utilisation", "busy", "%"], ["simulate.cost.dollarsPerMillionOutputTokens", "$/M out tok", "$"], ["simulate.tasks.p50Seconds", "task p50", "s"], ["simulate.tasks.p99Seconds", "task p99", "s"]];
  const cell = (v: unknown, k: "s" | "n" | "$" | "%") => {
    if (typeof v !== "number") return "-";
    if (k === "s") return formatSeconds(v);
    if (k === "$") return `$${v.toFixed(3)}`;
    if (k === "%") return `${(100 * v).toFixed(1)}%`;
    return formatCount(v);
  };
  const shown = cols.filter(([key]) => points.some((p) => typeof p.metrics[key] === "number"));
  const rows = points.map((p) => [
    ...axes.map((a) => String(p.axes[a] ?? "-")),
    ...shown.map(([key, , k]) => (key === "capacity.meetsSlo" ? (p.metrics[key] === 1 ? "yes" : p.metrics[key] === 0 ? "no" : "-") : cell(p.metrics[key], k))),
    p.note.length > 60 ? `${p.note.slice(0, 57)}...` : p.note,
  ]);
  return renderTable([...axes, ...shown.map(([, h]) => h), "note"], rows, [...axes.map(() => false), ...shown.map(() => true), false]);
}

/** What-if keys simulate takes with --set: the deployment's description; the flags give the rest. */
const SIMULATE_SET = /^(hardware\.|model\.config\.|parameters\.)/;

/**
 * The deployment with the --set what-ifs (hardware fields, model config, fitted parameters),
 * built through the scenario machinery as predict's is: the same keys, units and checks.
 */
async function whatIfDeployment(f: SimulateFlags) {
  const layers = setLayers(f.set);
  for (const l of layers) {
    for (const key of Object.keys(l.data)) {
      if (key !== "sweep" && !SIMULATE_SET.test(key)) throw inputError({ file: SET_FILE, path: key, problem: "not a what-if simulate takes", got: JSON.stringify(key), expected: "hardware.<field>, model.config.<field> or parameters.<name>; the workload and the deployment are simulate's own flags" });
    }
  }
  const { scenarioFromLayers } = await import("../scenario/load.js");
  const { makePlan } = await import("../scenario/plan.js");
  const { deploy } = await import("../engine/deployment.js");
  const plan = await blameFlags(async () => makePlan(scenarioFromLayers("command line", [
    ...flagLayers({ "--model": f.model, "--hardware": f.hardware, "--precision": f.precision, "--software": f.software }), ...layers,
  ])));
  const pr = plan.point(0).context.prepared;
  return { pr, d: deploy(pr, { ...(f.chips !== undefined ? { chips: f.chips } : {}), ...(f.memoryFraction !== undefined ? { memoryFraction: f.memoryFraction } : {}) }) };
}
