import type { CalibrationReport } from "./calibrate.js";
import { PARAMETER_DEFS } from "../engine/parameters.js";

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(1) : x.toPrecision(3));
const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}%`;

/** The accuracy table for the README: every reference, the fit and leave-one-out errors. */
export function accuracyMarkdown(r: CalibrationReport): string {
  const fitted = r.references.filter((x) => x.fitted);
  const lines = [
    `Over ${fitted.length} fitted references (wafer and GPU): mean absolute error **${r.mapePct.toFixed(1)}%** with the fitted parameters, **${r.looMapePct.toFixed(1)}%** leave-one-out (each reference predicted by a fit that did not see it: the number to believe).`,
    "",
    "| reference | stack | metric | published | predicted | error | leave-one-out | tolerance | note |",
    "|---|---|---|---:|---:|---:|---:|---:|---|",
    ...r.references.map((x) => `| ${x.id} | ${x.set} | ${x.metric} | ${fmt(x.published)} | ${fmt(x.predicted)} | ${signed(x.errorPct)} | ${x.fitted ? signed(x.looErrorPct) : "not fitted"} | ${x.tolerancePct}% | ${x.knownMiss ? `known miss: ${x.knownMiss.split(":")[0]}` : x.withinTolerance ? "" : "outside tolerance"} |`),
    "",
    "| check | published | predicted | result |",
    "|---|---:|---:|---|",
    ...r.checks.map((c) => `| ${c.id} | ${c.op === "reachable" ? "~" : c.op} ${fmt(c.published)} | ${fmt(c.predicted)} | ${c.pass ? "pass" : "FAIL"}: ${c.detail} |`),
  ];
  return lines.join("\n");
}

/** Parameters sitting at a bound of their range: the references push past physics there. */
export function parametersAtBounds(r: CalibrationReport): string[] {
  const out: string[] = [];
  for (const s of r.sets) {
    for (const [name, v] of Object.entries(s.values)) {
      const def = PARAMETER_DEFS.find((d) => d.name === name);
      if (!def) continue;
      const [lo, hi] = def.bounds;
      const near = (a: number) => Math.abs(v - a) <= 0.02 * Math.max(Math.abs(a), (hi - lo) * 0.01);
      if (near(lo) || near(hi)) out.push(`${s.id}: ${name} = ${v.toPrecision(3)} is at its ${near(lo) ? "lower" : "upper"} bound (${def.why})`);
    }
  }
  return out;
}
