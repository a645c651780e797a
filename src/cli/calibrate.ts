import type { Command } from "commander";
import { assertFinite } from "../io/finite.js";
import { metricInfo } from "../scenario/metrics.js";
import { countCell, paragraph, renderTable, secondsCell } from "./table.js";

/** Short names of the calibrated metrics, for the table (`wafersim list metrics` has their meaning). */
const SHORT: Readonly<Record<string, string>> = { "decode.tokensPerSecondPerUser": "decode", "prefill.seconds": "prefill", ttftSeconds: "TTFT" };

const signedPct = (v: number) => `${v > 0 ? "+" : ""}${v.toFixed(1)}%`;

export function registerCalibrate(program: Command, out: (s: string) => void): void {
  program
    .command("calibrate")
    .description("fit the engine's named parameters to published figures; report each error and the leave-one-out error")
    .option("--json", "machine-readable report")
    .option("--write", "store the fitted parameters (with provenance) and update the README's accuracy table")
    .option("--markdown", "print the README's accuracy table")
    .action(async (opts: { json?: boolean; write?: boolean; markdown?: boolean }) => {
      const cal = await import("../calibration/index.js");
      const report = assertFinite(cal.calibrate({ refit: true }), "calibrate"); // harden: results are numbers
      if (opts.write) {
        const { reloadParameterSets } = await import("../engine/parameters.js");
        const date = new Date().toISOString().slice(0, 10);
        for (const s of report.sets) cal.writeSet(s, report, date);
        reloadParameterSets();
        cal.writeReadmeAccuracy(cal.calibrate({ refit: false }));
      }
      if (opts.json) {
        out(JSON.stringify({
          references: report.references.map((r) => ({ id: r.id, published: r.published, predicted: r.predicted, errorPct: r.errorPct, looErrorPct: r.looErrorPct, metric: r.metric, set: r.set, kind: r.kind, tolerancePct: r.tolerancePct, withinTolerance: r.withinTolerance, fitted: r.fitted, ...(r.knownMiss ? { knownMiss: r.knownMiss } : {}) })),
          mapePct: report.mapePct,
          looMapePct: report.looMapePct,
          checks: report.checks,
          sets: report.sets,
          parametersAtBounds: cal.parametersAtBounds(report),
        }, null, 2));
        return;
      }
      if (opts.markdown) {
        out(cal.accuracyMarkdown(report));
        return;
      }
      // every value with its unit: decode speeds in tok/s, times in s/ms/us
      const value = (metric: string, v: number) => (metricInfo(metric)?.kind === "time" ? secondsCell(v) : `${countCell(v, 3)} ${metricInfo(metric)?.unit ?? ""}`.trim());
      out(renderTable(
        ["reference", "software", "metric", "published", "predicted", "error", "leave-one-out", "tolerance", "status"],
        report.references.map((r) => [
          r.id, r.set.split("/")[1] ?? r.set, SHORT[r.metric] ?? r.metric, value(r.metric, r.published), value(r.metric, r.predicted),
          signedPct(r.errorPct), r.fitted ? signedPct(r.looErrorPct) : "not fitted", `${r.tolerancePct}%`,
          r.knownMiss ? "known miss" : r.withinTolerance ? "within" : "MISS",
        ]),
        [false, false, false, true, true, true, true, true, false],
      ));
      out(`\nfitted references: ${report.references.filter((r) => r.fitted).length}; MAPE ${report.mapePct.toFixed(1)}%; leave-one-out MAPE ${report.looMapePct.toFixed(1)}% (the number to believe)`);
      for (const c of report.checks) out(paragraph(`check ${c.id}: ${c.pass ? "pass" : "FAIL"} (${c.detail})`));
      for (const w of cal.parametersAtBounds(report)) out(paragraph(`note: ${w}`));
      for (const s of report.sets.filter((x) => x.unidentified.length > 0)) out(paragraph(`note: ${s.id}: ${s.unidentified.join(", ")} not identified by its references (no reference depends on it)`));
      for (const r of report.references.filter((x) => x.knownMiss)) out(paragraph(`known miss ${r.id}: ${r.knownMiss}`));
      out(opts.write ? "\nwrote the fitted parameters to models/params/ and the accuracy table to README.md" : "\n(nothing written; --write stores this fit)");
    });
}
