import type { SimulationReport } from "../serving/run.js";
import { num, timeUnit } from "./format.js";
import { colour, type ChartSpec, type Series } from "./spec.js";

/** What the serving charts read from a simulation (src/serving/run.ts's SimulationReport). */
type Run = Pick<SimulationReport, "cdf" | "timeline" | "throughput" | "ttftSeconds" | "e2eSeconds" | "tpotSeconds" | "deployment" | "workload" | "chips" | "quantileRelativeError">;

function label(r: Run): string {
  return r.workload.traffic;
}

function source(runs: readonly Run[]): string {
  const d = runs[0]!.deployment;
  return `Source: wafersim simulate (discrete-event simulation; every iteration timed by the engine's forward pass) of ${d.model} on ${d.replicas} x ${d.chips} ${d.hardware} (${d.layout}); quantiles within ${(100 * runs[0]!.quantileRelativeError).toFixed(1)}% (log-bucket sketch); seed ${runs[0]!.workload.seed}`;
}

/** Latency CDFs: time to first token and end-to-end latency of each run, log time axis. */
export function latencyCdfSpec(runs: readonly Run[]): ChartSpec {
  const series: Series[] = runs.flatMap((r, i) => [
    { label: `TTFT, ${label(r)}`, kind: "line" as const, colour: colour(i), data: r.cdf.ttft.filter((p) => p.x > 0).map((p) => ({ x: p.x, y: 100 * p.p })) },
    { label: `end to end, ${label(r)}`, kind: "line" as const, colour: colour(i), dashed: true, data: r.cdf.e2e.filter((p) => p.x > 0).map((p) => ({ x: p.x, y: 100 * p.p })) },
  ]);
  return {
    id: "latency-cdf",
    title: "Latency distribution: time to first token and end-to-end",
    subtitle: runs.map(label).join("; "),
    x: { title: "latency", unit: "s", scale: "logarithmic" },
    y: { title: "requests at or below", unit: "%", scale: "linear", min: 0, max: 100 },
    series,
    table: {
      columns: ["traffic", "TTFT p50", "TTFT p99", "TPOT p50", "TPOT p99", "end-to-end p50", "end-to-end p99"],
      rows: runs.map((r) => [label(r), ...[r.ttftSeconds.p50, r.ttftSeconds.p99, r.tpotSeconds.p50, r.tpotSeconds.p99, r.e2eSeconds.p50, r.e2eSeconds.p99].map((v) => `${num(v)} s`)]),
    },
    source: source(runs),
  };
}

/** Throughput against p99 latency as the rate grows (one point per run, labelled by its rate). */
export function throughputLatencySpec(runs: readonly Run[]): ChartSpec {
  const pts = (pick: (r: Run) => number) => runs.map((r) => ({ x: r.throughput.outputTokensPerSecond, y: pick(r), label: label(r).replace(/^.* at /, "") }));
  return {
    id: "throughput-p99",
    title: "Throughput against p99 latency as the request rate grows",
    subtitle: "labels: offered rate; latency climbs steeply where the fleet saturates",
    x: { title: "output throughput", unit: "tok/s", scale: "logarithmic" },
    y: { title: "p99 latency", unit: "s", scale: "logarithmic" },
    series: [
      { label: "p99 time to first token", kind: "line", colour: colour(0), pointLabels: true, data: pts((r) => Math.max(r.ttftSeconds.p99, 1e-6)) },
      { label: "p99 end to end", kind: "line", colour: colour(1), data: pts((r) => Math.max(r.e2eSeconds.p99, 1e-6)) },
    ],
    table: {
      columns: ["traffic", "output tok/s", "per chip", "p99 TTFT", "p99 TPOT", "p99 end to end"],
      rows: runs.map((r) => [label(r), num(r.throughput.outputTokensPerSecond), num(r.throughput.outputTokensPerSecondPerChip), `${num(r.ttftSeconds.p99)} s`, `${num(r.tpotSeconds.p99)} s`, `${num(r.e2eSeconds.p99)} s`]),
    },
    source: source(runs),
  };
}

/** Utilisation and KV-cache occupancy over simulated time, of one run. */
export function occupancySpec(r: Run): ChartSpec {
  const end = r.timeline.length > 0 ? r.timeline[r.timeline.length - 1]!.startSeconds + r.timeline[r.timeline.length - 1]!.seconds : 0;
  const { unit, factor } = timeUnit(end);
  const mid = (w: Run["timeline"][number]) => (w.startSeconds + w.seconds / 2) * factor;
  return {
    id: "occupancy",
    title: "Busy share and KV-cache occupancy over time",
    subtitle: label(r),
    x: { title: "simulated time", unit, scale: "linear", min: 0 },
    y: { title: "share of the fleet", unit: "%", scale: "linear", min: 0, max: 100 },
    series: [
      { label: "busy (iterations running)", kind: "line", colour: colour(0), data: r.timeline.map((w) => ({ x: mid(w), y: 100 * w.utilisation })) },
      { label: "KV-cache blocks in use", kind: "line", colour: colour(1), data: r.timeline.map((w) => ({ x: mid(w), y: 100 * w.kvOccupancy })) },
    ],
    table: {
      columns: [`window start (${unit})`, "busy", "KV cache"],
      rows: r.timeline.map((w) => [num(w.startSeconds * factor), `${(100 * w.utilisation).toFixed(1)}%`, `${(100 * w.kvOccupancy).toFixed(1)}%`]),
    },
    source: source([r]),
  };
}

/** The charts of `wafersim simulate --chart`: CDFs and occupancy, and throughput against p99 with several rates. */
export function servingSpecs(runs: readonly Run[]): ChartSpec[] {
  if (runs.length === 0) throw new Error("servingSpecs: no simulation to draw");
  const shown = runs.length > 4 ? [runs[0]!, runs[Math.floor(runs.length / 2)]!, runs[runs.length - 1]!] : runs;
  return [latencyCdfSpec(shown), occupancySpec(runs[runs.length - 1]!), ...(runs.length > 1 ? [throughputLatencySpec(runs)] : [])];
}
