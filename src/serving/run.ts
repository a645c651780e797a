import { inputError } from "../errors.js";
import { prepare, type Prepared } from "../engine/predict.js";
import type { WeightFormat } from "../model/arch.js";
import { loadTask } from "../agent/profile.js";
import { outputTokensPerTurn, promptTokensAt, type TaskProfile } from "../agent/profile.js";
import { costInputs, costOf, type Cost } from "../capacity/cost.js";
import { parseQuantity } from "../units/parse.js";
import { deploy, passSeconds, type Deployment } from "./engine.js";
import { lengthText, type LengthDist } from "./lengths.js";
import { SCHEDULER_DEFAULTS, simulate, type FinishedRequest, type SimResult, type Slo, type Traffic } from "./simulate.js";
import { readTrace } from "./trace.js";

/** Bounds checked before any work (a run's cost grows with requests, replicas and users). */
export const LIMITS = {
  requests: 10_000_000,
  durationSeconds: 30 * 24 * 3600,
  rate: 1e6,
  users: 100_000,
  replicas: 10_000,
  chips: 100_000,
  seqs: 65_536,
  tokenBudget: 10_000_000,
  blockSize: 4096,
} as const;

export interface SimulateOptions {
  readonly model: string;
  readonly hardware: string;
  /** chips of one replica; default: the fewest that hold the model */
  readonly chips?: number;
  readonly replicas?: number;
  readonly precision?: WeightFormat;
  readonly software?: string;
  readonly rate?: number;
  /** coefficient of variation of the gaps between arrivals (1: Poisson; above 1: bursty, gamma) */
  readonly arrivalCv?: number;
  readonly trace?: string;
  readonly users?: number;
  readonly task?: string | TaskProfile;
  readonly requests?: number;
  readonly durationSeconds?: number;
  readonly promptTokens?: LengthDist;
  readonly outputTokens?: LengthDist;
  readonly scheduler?: "continuous" | "static";
  readonly tokenBudget?: number;
  readonly maxSeqs?: number;
  readonly blockSize?: number;
  readonly memoryFraction?: number;
  readonly routing?: "round-robin" | "least-outstanding" | "shared-queue";
  readonly prefixHit?: number;
  readonly prefillReplicas?: number;
  readonly decodeReplicas?: number;
  readonly slo?: Slo;
  readonly seed?: number;
  readonly power?: string;
  readonly price?: string;
  readonly onRequest?: (r: FinishedRequest) => void;
}

export interface SimulationReport extends SimResult {
  readonly cost: { readonly dollarsPerMillionOutputTokens: number | null; readonly joulesPerOutputToken: number | null };
  readonly costDetail: Cost;
  readonly deployment: Deployment & { readonly hardware: string; readonly model: string; readonly replicas: number; readonly prefillReplicas?: number; readonly decodeReplicas?: number };
  readonly workload: { readonly traffic: string; readonly promptTokens: string; readonly outputTokens: string; readonly scheduler: string; readonly routing: string; readonly seed: number; readonly slo: Slo | null };
}

/** "ttft=1s,tpot=20ms" (either part may be left out: no limit on it). */
export function parseSlo(text: string, flag = "--slo"): Slo {
  const out: Record<string, number> = {};
  for (const part of text.split(",")) {
    const m = /^\s*(ttft|tpot)\s*=\s*(.+?)\s*$/.exec(part);
    if (!m || m[1]! in out) throw inputError({ file: flag, path: "", problem: `cannot read ${JSON.stringify(part.trim())}`, got: JSON.stringify(text), expected: 'ttft=<time>,tpot=<time>, e.g. "ttft=1s,tpot=20ms", each once' });
    const q = parseQuantity(m[2]!, "time");
    if (!q.ok || !(q.value > 0)) throw inputError({ file: flag, path: "", problem: `${m[1]} is not a positive time`, got: JSON.stringify(m[2]), expected: 'a time with its unit such as "1s" or "20ms"' });
    out[m[1]!] = q.value;
  }
  return { ttftSeconds: out["ttft"] ?? Infinity, tpotSeconds: out["tpot"] ?? Infinity };
}

function check(ok: boolean, flag: string, got: unknown, expected: string): void {
  if (!ok) throw inputError({ file: flag, path: "", problem: "out of range", got: String(got), expected });
}

/** Checks the bounds of every input before any work starts. */
export function checkSimulateOptions(o: SimulateOptions): void {
  const sources = [o.rate !== undefined, o.trace !== undefined, o.users !== undefined || o.task !== undefined].filter(Boolean).length;
  if (sources !== 1) throw inputError({ file: "--rate", path: "", problem: sources === 0 ? "no traffic given" : "more than one kind of traffic given", expected: "exactly one of --rate R, --trace FILE, or --users N with --task T" });
  if ((o.users === undefined) !== (o.task === undefined)) throw inputError({ file: o.users === undefined ? "--users" : "--task", path: "", problem: "agent traffic needs both --users and --task", expected: "--users N --task T" });
  if (o.rate !== undefined) check(o.rate > 0 && o.rate <= LIMITS.rate, "--rate", o.rate, `requests per second above 0, at most ${LIMITS.rate}`);
  if (o.arrivalCv !== undefined) check(o.arrivalCv > 0 && o.arrivalCv <= 100, "--arrival-cv", o.arrivalCv, "a coefficient of variation above 0, at most 100 (1 is Poisson)");
  if (o.users !== undefined) check(Number.isInteger(o.users) && o.users >= 1 && o.users <= LIMITS.users, "--users", o.users, `a whole number from 1 to ${LIMITS.users}`);
  if (o.requests !== undefined) check(Number.isInteger(o.requests) && o.requests >= 1 && o.requests <= LIMITS.requests, "--requests", o.requests, `a whole number from 1 to ${LIMITS.requests}`);
  if (o.durationSeconds !== undefined) check(o.durationSeconds > 0 && o.durationSeconds <= LIMITS.durationSeconds, "--duration", o.durationSeconds, `seconds above 0, at most ${LIMITS.durationSeconds} (30 days)`);
  if (o.rate !== undefined && o.durationSeconds !== undefined && o.requests === undefined) {
    check(o.rate * o.durationSeconds <= LIMITS.requests, "--duration", o.durationSeconds, `at most ${LIMITS.requests} expected requests (rate x duration), so at most ${Math.floor(LIMITS.requests / o.rate)} s at this rate`);
  }
  for (const [flag, v, max] of [["--replicas", o.replicas, LIMITS.replicas], ["--prefill-replicas", o.prefillReplicas, LIMITS.replicas], ["--decode-replicas", o.decodeReplicas, LIMITS.replicas], ["--max-seqs", o.maxSeqs, LIMITS.seqs], ["--token-budget", o.tokenBudget, LIMITS.tokenBudget], ["--block-size", o.blockSize, LIMITS.blockSize], ["--chips", o.chips, LIMITS.chips]] as const) {
    if (v !== undefined) check(Number.isInteger(v) && v >= 1 && v <= max, flag, v, `a whole number from 1 to ${max}`);
  }
  if ((o.prefillReplicas === undefined) !== (o.decodeReplicas === undefined)) throw inputError({ file: o.prefillReplicas === undefined ? "--prefill-replicas" : "--decode-replicas", path: "", problem: "disaggregation needs both pools", expected: "--prefill-replicas P and --decode-replicas D" });
  if (o.prefillReplicas !== undefined && o.replicas !== undefined) throw inputError({ file: "--replicas", path: "", problem: "--replicas and disaggregated pools together", expected: "either --replicas R, or --prefill-replicas P with --decode-replicas D" });
  if (o.prefillReplicas !== undefined && o.scheduler === "static") throw inputError({ file: "--scheduler", path: "", problem: "static batching has no disaggregated form", expected: "continuous with --prefill-replicas/--decode-replicas" });
  if (o.prefixHit !== undefined) check(o.prefixHit >= 0 && o.prefixHit < 1, "--prefix-cache", o.prefixHit, "a share of each prompt from 0 up to (not including) 1");
  if (o.memoryFraction !== undefined) check(o.memoryFraction > 0 && o.memoryFraction <= 1, "--memory-fraction", o.memoryFraction, "a fraction above 0, at most 1");
  const replicas = o.replicas ?? (o.prefillReplicas ?? 0) + (o.decodeReplicas ?? 0);
  if (o.chips !== undefined) check(o.chips * Math.max(1, replicas) <= LIMITS.chips, "--chips", o.chips, `at most ${LIMITS.chips} chips in all (chips x replicas)`);
}

function agentTraffic(t: TaskProfile, users: number): Traffic {
  return {
    kind: "agents", users, turns: t.turns.value, promptAt: (k) => promptTokensAt(t, k), outputPerTurn: outputTokensPerTurn(t),
    cacheHit: t.promptCacheHitRate.value, toolSeconds: t.toolTimePerTurn.value,
  };
}

/** One deployment of a model for the simulator: the engine prepared once, one replica placed. */
export function deploymentFor(o: Pick<SimulateOptions, "model" | "hardware" | "chips" | "precision" | "software" | "memoryFraction">): { pr: Prepared; d: Deployment } {
  const pr = prepare({ model: o.model, hardware: o.hardware, ...(o.precision ? { precision: o.precision } : {}), ...(o.software ? { software: o.software } : {}) });
  const d = deploy(pr, { ...(o.chips !== undefined ? { chips: o.chips } : {}), ...(o.memoryFraction !== undefined ? { memoryFraction: o.memoryFraction } : {}) });
  return { pr, d };
}

/** Runs one simulation from user-level options (the `wafersim simulate` path). */
export function runSimulation(o: SimulateOptions, prepared?: { pr: Prepared; d: Deployment }): SimulationReport {
  checkSimulateOptions(o);
  const { pr, d } = prepared ?? deploymentFor(o);
  const prompt: LengthDist = o.promptTokens ?? { kind: "fixed", tokens: 1024 };
  const output: LengthDist = o.outputTokens ?? { kind: "fixed", tokens: 256 };
  const task = o.task === undefined ? undefined : typeof o.task === "string" ? loadTask(o.task) : o.task;
  let traffic: Traffic;
  let trafficText: string;
  if (o.rate !== undefined) {
    traffic = { kind: "rate", rate: o.rate, cv: o.arrivalCv ?? 1, prompt, output, prefixHit: o.prefixHit ?? 0 };
    trafficText = `${o.arrivalCv !== undefined && o.arrivalCv !== 1 ? `gamma arrivals (cv ${o.arrivalCv})` : "Poisson arrivals"} at ${o.rate} requests/s`;
  } else if (o.trace !== undefined) {
    traffic = { kind: "trace", rows: readTrace(o.trace), prefixHit: o.prefixHit ?? 0 };
    trafficText = `trace ${o.trace}`;
  } else {
    traffic = agentTraffic(task!, o.users!);
    trafficText = `${o.users} agents running ${task!.id}`;
  }
  const replicas = o.replicas ?? 1;
  const disagg = o.prefillReplicas !== undefined && o.decodeReplicas !== undefined
    ? { prefillReplicas: o.prefillReplicas, decodeReplicas: o.decodeReplicas, linkBytesPerSecond: pr.hardware.interconnect.scaleOut.bandwidth.value * d.chips }
    : undefined;
  const seed = o.seed ?? 1;
  // Agents over a duration keep starting tasks; the request bound still caps the run.
  const requests = o.requests ?? (traffic.kind === "rate" && o.durationSeconds === undefined ? 1000 : traffic.kind === "agents" && o.durationSeconds !== undefined ? LIMITS.requests : undefined);
  const res = simulate({
    deployment: d, passSeconds: (s) => passSeconds(d, s), replicas,
    scheduler: { kind: o.scheduler ?? "continuous", tokenBudget: o.tokenBudget ?? SCHEDULER_DEFAULTS.tokenBudget, maxSeqs: o.maxSeqs ?? SCHEDULER_DEFAULTS.maxSeqs, blockSize: o.blockSize ?? SCHEDULER_DEFAULTS.blockSize },
    routing: o.routing ?? "least-outstanding", traffic,
    ...(requests !== undefined ? { requests } : {}),
    ...(o.durationSeconds !== undefined ? { durationSeconds: o.durationSeconds } : {}),
    ...(o.slo ? { slo: o.slo } : {}),
    seed, maxContext: pr.model.arch.maxContext ?? LIMITS.tokenBudget,
    ...(disagg ? { disaggregation: disagg } : {}),
    ...(o.onRequest ? { onRequest: o.onRequest } : {}),
  });
  const costDetail = costOf(costInputs(pr.hardware.id, { ...(o.power !== undefined ? { power: o.power } : {}), ...(o.price !== undefined ? { price: o.price } : {}) }), res.chips, res.throughput.outputTokensPerSecond);
  return {
    ...res,
    cost: { dollarsPerMillionOutputTokens: costDetail.dollarsPerMillionOutputTokens, joulesPerOutputToken: costDetail.joulesPerOutputToken },
    costDetail,
    deployment: { ...d, hardware: pr.hardware.id, model: pr.model.id, replicas: disagg ? disagg.prefillReplicas + disagg.decodeReplicas : replicas, ...(disagg ? { prefillReplicas: disagg.prefillReplicas, decodeReplicas: disagg.decodeReplicas } : {}) },
    workload: {
      traffic: trafficText, promptTokens: traffic.kind === "rate" ? lengthText(prompt) : traffic.kind === "trace" ? "from the trace" : "from the task profile",
      outputTokens: traffic.kind === "rate" ? lengthText(output) : traffic.kind === "trace" ? "from the trace" : "from the task profile",
      scheduler: o.scheduler ?? "continuous", routing: o.routing ?? "least-outstanding", seed, slo: o.slo ?? null,
    },
  };
}
