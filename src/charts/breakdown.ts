import type { Prediction } from "../engine/predict.js";
import type { Breakdown } from "../engine/types.js";
import { hardwareLabel, num, predictionSource, timeUnit, workloadText } from "./format.js";
import { PART_COLOURS, type ChartSpec, type Series } from "./spec.js";

/** Serving-stack time outside the model, per hardware id (from src/stack when it is used). */
export interface StackTimes {
  readonly name: string;
  readonly ttftSeconds: number;
  readonly perTokenSeconds: number;
}

/** The four model-side parts, grouped as `boundOf` groups them. */
export function parts(b: Breakdown): { compute: number; memory: number; latency: number; interconnect: number } {
  return { compute: b.compute, memory: b.memory, latency: b.mesh + b.sync + b.overhead + b.draft, interconnect: b.interconnect };
}

const PART_NAMES = {
  compute: "compute",
  memory: "memory (weights, KV cache)",
  latency: "latency (mesh hops, sync, step overhead, draft)",
  interconnect: "interconnect (chip to chip)",
} as const;

function breakdownSpec(
  ps: readonly Prediction[], version: string, which: "ttft" | "token", stacks: Readonly<Record<string, StackTimes>>,
): ChartSpec {
  const first = ps[0];
  if (!first) throw new Error("breakdownSpec: no predictions to draw");
  const labels = ps.map(hardwareLabel);
  const rows = ps.map((p) => {
    const st = stacks[p.hardware.id];
    return { p, stack: st ? (which === "ttft" ? st.ttftSeconds : st.perTokenSeconds) : 0, ...parts(which === "ttft" ? p.breakdown.prefill : p.breakdown.decode) };
  });
  const totals = rows.map((r) => r.stack + r.compute + r.memory + r.latency + r.interconnect);
  const { unit, factor } = timeUnit(Math.max(...totals));
  const hasStack = rows.some((r) => r.stack > 0);
  const keys = ["compute", "memory", "latency", "interconnect"] as const;
  const series: Series[] = [
    ...(hasStack ? [{ label: "serving stack", kind: "bar" as const, colour: PART_COLOURS.stack, stack: "t", data: rows.map((r) => r.stack * factor) }] : []),
    ...keys.map((k) => ({ label: `${which === "ttft" ? "prefill: " : ""}${PART_NAMES[k]}`, kind: "bar" as const, colour: PART_COLOURS[k], stack: "t", data: rows.map((r) => r[k] * factor) })),
  ];
  const stackNote = hasStack ? `serving stack: ${[...new Set(Object.values(stacks).map((s) => s.name))].join(", ")}` : "model side only (no serving stack given)";
  return {
    id: which === "ttft" ? "ttft-breakdown" : "per-token-breakdown",
    title: which === "ttft" ? `Where the time to first token goes: ${first.model.id}` : `Where one output token's time goes: ${first.model.id}`,
    subtitle: `${workloadText(first)}; ${stackNote}`,
    x: { title: "hardware", unit: "", scale: "category", labels, stacked: true },
    y: { title: which === "ttft" ? "time to first token" : "time per output token", unit, scale: "linear", stacked: true, min: 0 },
    series,
    table: {
      columns: ["hardware", ...(hasStack ? ["stack"] : []), ...keys.map((k) => k), "total", "bound"],
      rows: rows.map((r, i) => [
        labels[i]!, ...(hasStack ? [`${num(r.stack * factor)} ${unit}`] : []), ...keys.map((k) => `${num(r[k] * factor)} ${unit}`),
        `${num(totals[i]! * factor)} ${unit}`, which === "ttft" ? r.p.prefill.bound : r.p.decode.bound,
      ]),
    },
    source: predictionSource(ps, version),
  };
}

/** Chart 3a: time to first token, stacked by part (serving stack, prefill compute, memory, latency, interconnect). */
export function ttftBreakdownSpec(ps: readonly Prediction[], version: string, stacks: Readonly<Record<string, StackTimes>> = {}): ChartSpec {
  return breakdownSpec(ps, version, "ttft", stacks);
}

/** Chart 3b: time per output token, stacked by part. */
export function perTokenBreakdownSpec(ps: readonly Prediction[], version: string, stacks: Readonly<Record<string, StackTimes>> = {}): ChartSpec {
  return breakdownSpec(ps, version, "token", stacks);
}
