import type { Prediction } from "../engine/predict.js";
import { bandOf, hardwareLabel, num, numWithBand, predictionSource, workloadText } from "./format.js";
import { colour, type ChartSpec, type Series } from "./spec.js";

/** One deployment's decode speed as the batch (concurrent users) grows, chips held fixed. */
export interface BatchCurve {
  /** the prediction at each batch, smallest batch first */
  readonly points: readonly Prediction[];
}

/**
 * Chart 1: tokens/s per user against aggregate tokens/s as the batch grows, one line per
 * deployment (wafer and GPU). Up and to the right is better; each point is labelled with its
 * batch. Both axes are logarithmic: wafer and GPU speeds differ by an order of magnitude.
 */
export function batchTradeoffSpec(curves: readonly BatchCurve[], version: string): ChartSpec {
  const first = curves.find((c) => c.points.length > 0)?.points[0];
  if (!first) throw new Error("batchTradeoffSpec: no points to draw");
  const series: Series[] = curves.filter((c) => c.points.length > 0).map((c, i) => ({
    label: hardwareLabel(c.points[0]!),
    kind: "line",
    colour: colour(i),
    pointLabels: true,
    data: c.points.map((p) => ({ x: p.decode.aggregateTokensPerSecond, y: p.decode.tokensPerSecondPerUser, label: `${p.workload.batch}` })),
    ...(c.points.some((p) => bandOf(p, "decode.tokensPerSecondPerUser")) ? { errorBars: c.points.map((p) => bandOf(p, "decode.tokensPerSecondPerUser")) } : {}),
  }));
  const all = curves.flatMap((c) => c.points);
  return {
    id: "batch-tradeoff",
    title: `Speed per user against total throughput as the batch grows: ${first.model.id}`,
    subtitle: `${workloadText(first, false)}; labels: batch (concurrent users); chips fixed at the batch-1 placement`,
    x: { title: "aggregate decode throughput", unit: "tok/s", scale: "logarithmic" },
    y: { title: "decode speed per user", unit: "tok/s", scale: "logarithmic" },
    series,
    table: {
      columns: ["hardware", "batch", "tok/s per user", "tok/s total", "bound"],
      rows: all.map((p) => [hardwareLabel(p), String(p.workload.batch), numWithBand(p.decode.tokensPerSecondPerUser, bandOf(p, "decode.tokensPerSecondPerUser")), num(p.decode.aggregateTokensPerSecond), p.decode.bound]),
    },
    source: predictionSource(all, version),
  };
}
