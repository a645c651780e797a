import type { Command } from "commander";
import { assertFinite } from "../io/finite.js";
import { renderTable } from "./table.js";

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
      const f = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
      out(renderTable(
        ["reference", "stack", "published", "predicted", "error", "leave-one-out", "tol.", ""],
        report.references.map((r) => [r.id, r.set.split("/")[1] ?? r.set, f(r.published), f(r.predicted), `${r.errorPct.toFixed(1)}%`, r.fitted ? `${r.looErrorPct.toFixed(1)}%` : "not fitted", `${r.tolerancePct}%`, r.knownMiss ? "known miss" : r.withinTolerance ? "" : "MISS"]),
        [false, false, true, true, true, true, true, false],
      ));
      out(`\nfitted references: ${report.references.filter((r) => r.fitted).length}; MAPE ${report.mapePct.toFixed(1)}%; leave-one-out MAPE ${report.looMapePct.toFixed(1)}% (the number to believe)`);
      for (const c of report.checks) out(`check ${c.id}: ${c.pass ? "pass" : "FAIL"} (${c.detail})`);
      for (const w of cal.parametersAtBounds(report)) out(`note: ${w}`);
      for (const s of report.sets.filter((x) => x.unidentified.length > 0)) out(`note: ${s.id}: ${s.unidentified.join(", ")} not identified by its references (no reference depends on it)`);
      for (const r of report.references.filter((x) => x.knownMiss)) out(`known miss ${r.id}: ${r.knownMiss}`);
      out(opts.write ? "\nwrote the fitted parameters to models/params/ and the accuracy table to README.md" : "\n(nothing written; --write stores this fit)");
    });
}
