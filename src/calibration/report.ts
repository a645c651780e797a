import type { CalibrationReport } from "./calibrate.js";

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(1) : x.toPrecision(3));
const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}%`;
const pct = (x: number | undefined) => (x === undefined ? "" : `${x.toFixed(1)}%`);

/** The accuracy section for the README: per set and metric, every reference, the checks. */
export function accuracyMarkdown(r: CalibrationReport): string {
  const fitted = r.references.filter((x) => x.fitted);
  const lines = [
    `Over ${fitted.length} fitted references (wafer and GPU): mean absolute error **${r.mapePct.toFixed(1)}%** with the fitted parameters, **${r.looMapePct.toFixed(1)}%** leave-one-out (each reference predicted by a fit that did not see it: the number to believe). Error bands: ${(r.coverage.share * 100).toFixed(0)}% of the references fall inside their own leave-one-out band, against the band's stated ${(r.coverage.level * 100).toFixed(0)}%.`,
    "",
    "| parameter set | hardware | references | fit | leave-one-out | decode (fit / loo) | prefill (fit / loo) | throughput (fit / loo) |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
    ...r.sets.map((s) => {
      const m = (k: "decode" | "prefill" | "throughput") => (s.byMetric[k] ? `${pct(s.byMetric[k]!.mapePct)} / ${pct(s.byMetric[k]!.looMapePct)} (${s.byMetric[k]!.references})` : "");
      return `| ${s.id} | ${s.hardware.join(", ")} | ${s.references.length} | ${pct(s.mapePct)} | ${pct(s.looMapePct)} | ${m("decode")} | ${m("prefill")} | ${m("throughput")} |`;
    }),
    "",
    "| reference | stack | metric | published | predicted | error | leave-one-out | tolerance | note |",
    "|---|---|---|---:|---:|---:|---:|---:|---|",
    ...r.references.map((x) => `| ${x.id} | ${x.set} | ${x.metric} | ${fmt(x.published)} | ${fmt(x.predicted)} | ${signed(x.errorPct)} | ${x.fitted ? signed(x.looErrorPct) : "not fitted"} | ${x.tolerancePct}% | ${x.knownMiss ? `known miss: ${x.knownMiss.split(":")[0]}` : !x.withinTolerance ? "outside tolerance" : x.onlyByWideTolerance ? "inside only by its kind's wide tolerance" : ""} |`),
    "",
    "| check | published | predicted | result |",
    "|---|---:|---:|---|",
    ...r.checks.map((c) => `| ${c.id} | ${c.op === "reachable" ? "~" : c.op} ${fmt(c.published)} | ${fmt(c.predicted)} | ${c.pass ? "pass" : "FAIL"}: ${c.detail} |`),
  ];
  const bounds = parametersAtBounds(r);
  if (bounds.length > 0) lines.push("", ...bounds.map((b) => `- warning: ${b}`));
  return lines.join("\n");
}

/** Fitted parameters within 2% of a bound of their range: the references push past physics there. */
export function parametersAtBounds(r: CalibrationReport): string[] {
  return r.sets.flatMap((s) => s.atBounds.map((b) => `${s.id}: ${b}`));
}
