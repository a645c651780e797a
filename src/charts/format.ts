import type { Prediction } from "../engine/predict.js";
import { formatCount } from "../units/format.js";

/** A readable time unit for a chart whose largest value is `maxSeconds`. */
export function timeUnit(maxSeconds: number): { readonly unit: string; readonly factor: number } {
  if (maxSeconds >= 120) return { unit: "min", factor: 1 / 60 };
  if (maxSeconds >= 1) return { unit: "s", factor: 1 };
  if (maxSeconds >= 1e-3) return { unit: "ms", factor: 1e3 };
  return { unit: "us", factor: 1e6 };
}

/** Three significant digits, thousands separators: for table cells. */
export function num(v: number): string {
  return formatCount(v, 3);
}

/** A prediction's band of one metric as an error bar ({low, high}), or null when it has none. */
export function bandOf(p: Prediction, metric: string): { readonly low: number; readonly high: number } | null {
  const b = p.uncertainty?.[metric];
  return b && Number.isFinite(b.low) && Number.isFinite(b.high) ? { low: b.low, high: b.high } : null;
}

/** "1,780 (1,510-2,050)" for tables under charts, or the value alone. */
export function numWithBand(v: number, band: { readonly low: number; readonly high: number } | null): string {
  return band ? `${num(v)} (${num(band.low)}-${num(band.high)})` : num(v);
}

export function hardwareLabel(p: Prediction): string {
  return `${p.hardware.chips} x ${p.hardware.id}`;
}

/** "prompt 8,192, output 256 tokens, batch 1" */
export function workloadText(p: Prediction, withBatch = true): string {
  const w = p.workload;
  return `${p.model.id}: prompt ${formatCount(w.promptTokens)}, output ${formatCount(w.outputTokens)} tokens${withBatch ? `, batch ${w.batch}` : ""}`;
}

/**
 * The source line for charts of engine predictions: the program version, the figures used
 * (hardware and model descriptions) and, as "the version of the calibration", each parameter
 * set's software stack with the provenance (method and date) it was stored with.
 */
export function predictionSource(ps: readonly Prediction[], version: string): string {
  const models = [...new Set(ps.map((p) => `${p.model.id}${p.model.assumption ? " (assumed architecture)" : ""}`))];
  return [
    `Source: wafersim ${version} engine predictions from models/hardware and models/llm`,
    `model ${models.join(", ")}`,
    `calibration: ${calibrationText(ps.map((p) => ({ software: p.software.id, hardware: p.hardware.id, provenance: p.software.provenance })))}`,
  ].join("; ");
}

/** One parameter set as used: its software stack, a hardware id, and the provenance it was stored with. */
export interface SetUse {
  readonly software: string;
  readonly hardware: string;
  readonly provenance: { readonly method: string; readonly date: string };
}

/** "cerebras-2024-10 on cerebras-wse3 (fitted 2026-11-25), ...": the version of the calibration, each set once. */
export function calibrationText(uses: readonly SetUse[]): string {
  const sets = new Map<string, string>();
  for (const u of uses) {
    const key = `${u.hardware}/${u.software}`;
    if (!sets.has(key)) sets.set(key, `${u.software} on ${u.hardware} (${u.provenance.method} ${u.provenance.date})`);
  }
  return [...sets.values()].join(", ");
}

/** Splits a long source line at "; " or ", " into lines of at most `max` characters. */
export function wrapSource(text: string, max = 150): string[] {
  const lines: string[] = [];
  let line = "";
  for (const part of text.split(/(?<=; |, )/)) {
    if (line !== "" && line.length + part.length > max) {
      lines.push(line.trimEnd());
      line = "";
    }
    line += part;
  }
  if (line.trim() !== "") lines.push(line.trimEnd());
  return lines;
}

/**
 * Axis range around the data on a log scale: from 20% under the smallest value to 25% over the
 * largest (room for the points and the tolerance band at both ends), widened to the nearest
 * 1, 2 or 5 times a power of ten so the end ticks read as round numbers; no empty decades.
 */
export function dataRange(values: readonly number[]): { lo: number; hi: number } {
  const steps = [1, 2, 5, 10];
  const down = (v: number) => {
    const p = 10 ** Math.floor(Math.log10(v));
    return p * [...steps].reverse().find((s) => s * p <= v * (1 + 1e-12))!;
  };
  const up = (v: number) => {
    const p = 10 ** Math.floor(Math.log10(v));
    return p * steps.find((s) => s * p >= v * (1 - 1e-12))!;
  };
  return { lo: down(Math.min(...values) / 1.25), hi: up(Math.max(...values) * 1.25) };
}
