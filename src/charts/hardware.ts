import type { Prediction } from "../engine/predict.js";
import { bandOf, hardwareLabel, num, numWithBand, predictionSource, workloadText } from "./format.js";
import { PALETTE, type ChartSpec } from "./spec.js";

/**
 * Chart 2: decode tokens/s per user for one model on each hardware choice, as bars, with the
 * physical roofline (all chips' memory bandwidth over the bytes a token reads, or peak compute)
 * marked over each bar. Logarithmic: the wafer's roofline is orders of magnitude above its speed.
 */
export function hardwareBarsSpec(ps: readonly Prediction[], version: string): ChartSpec {
  const first = ps[0];
  if (!first) throw new Error("hardwareBarsSpec: no predictions to draw");
  const labels = ps.map(hardwareLabel);
  const bands = ps.some((p) => bandOf(p, "decode.tokensPerSecondPerUser") !== null);
  return {
    id: "hardware-speed",
    title: `Decode speed by hardware: ${first.model.id}`,
    subtitle: `${workloadText(first)}; the black rule over each bar is that hardware's physical roofline`,
    x: { title: "hardware", unit: "", scale: "category", labels },
    y: { title: "decode speed per user", unit: "tok/s", scale: "logarithmic" },
    series: [
      {
        label: `predicted decode speed${bands ? " (whiskers: error band)" : ""}`, kind: "bar", colour: PALETTE[0], data: ps.map((p) => p.decode.tokensPerSecondPerUser),
        ...(bands ? { errorBars: ps.map((p) => bandOf(p, "decode.tokensPerSecondPerUser")) } : {}),
      },
      { label: "physical roofline (memory bandwidth or peak compute)", kind: "marker", colour: PALETTE[7], data: ps.map((p) => p.decode.rooflineTokensPerSecondPerUser) },
    ],
    table: {
      columns: ["hardware", "tok/s per user", "roofline tok/s per user", "share of roofline", "bound"],
      rows: ps.map((p) => [
        hardwareLabel(p), numWithBand(p.decode.tokensPerSecondPerUser, bandOf(p, "decode.tokensPerSecondPerUser")), num(p.decode.rooflineTokensPerSecondPerUser),
        `${((100 * p.decode.tokensPerSecondPerUser) / p.decode.rooflineTokensPerSecondPerUser).toPrecision(3)}%`, p.decode.bound,
      ]),
    },
    source: predictionSource(ps, version),
  };
}
