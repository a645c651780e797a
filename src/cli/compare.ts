import type { Command } from "commander";
import { formatIssue, InputError } from "../errors.js";
import type { Prediction } from "../engine/predict.js";
import { assertFinite } from "../io/finite.js";
import { resolveRefs } from "../registry.js";
import { formatCount } from "../units/format.js";
import { addPredictionOptions, costLine, predictionLayers, predictLayers, reportWarnings, stackOf, type PredictFlags } from "./predict.js";
import { blameFlags, checkSetConflicts } from "./set.js";
import { paragraph, renderTable, siCell, withBand } from "./table.js";

/** A hardware that was left out of a comparison, and why. */
export interface Skipped {
  readonly hardware: string;
  readonly why: string;
}

/** The line over a comparison: the workload, and the precision, software sets and stack of every row. */
export function comparisonHeader(model: string, ps: readonly Prediction[]): string {
  const first = ps[0];
  if (!first) return model;
  const w = first.workload;
  const formats = [...new Set(ps.map((p) => `${p.weightFormat.default === p.weightFormat.experts ? p.weightFormat.default : `${p.weightFormat.default}, experts ${p.weightFormat.experts}`}${p.precisionSource === "native" ? " (native)" : ""}`))];
  const software = [...new Set(ps.map((p) => `${p.software.id} (${p.software.provenance.method} ${p.software.provenance.date})`))];
  const st = stackOf(first);
  return [
    `${first.model.id}: batch ${w.batch}, prompt ${formatCount(w.promptTokens)}, output ${formatCount(w.outputTokens)} tokens${first.speculation ? `, speculative decoding k=${first.speculation.draftTokens} at acceptance ${first.speculation.acceptance}` : ""}`,
    `precision: ${formats.join("; ")}`,
    `software (fitted parameters): ${software.join(", ")}`,
    `serving stack: ${st ? `${st.id} (its per-token overhead is in the speeds and per-token times; its TTFT parts in TTFT)` : "none (model only)"}`,
  ].join("\n");
}

export function renderComparison(title: string, ps: readonly Prediction[], skipped: readonly Skipped[] = []): string {
  const rows = ps.map((p) => {
    const u = p.uncertainty;
    return [
      `${p.hardware.chips} x ${p.hardware.id}`,
      p.software.id,
      withBand(p.decode.tokensPerSecondPerUser, u["decode.tokensPerSecondPerUser"], "rate", ""),
      withBand(p.decode.timePerOutputTokenSeconds, u["decode.timePerOutputTokenSeconds"], "time"),
      withBand(p.decode.aggregateTokensPerSecond, u["decode.aggregateTokensPerSecond"], "rate", ""),
      withBand(p.ttftSeconds, u["ttftSeconds"], "time"),
      withBand(p.requestSeconds, u["requestSeconds"], "time"),
      p.decode.bound,
      siCell(p.memory.weightBytes + p.memory.kvCacheBytes, "B"),
    ];
  });
  const table = renderTable(
    ["hardware", "software", "tok/s per user", "per token", "tok/s total", "TTFT", "request", "bound", "memory used"],
    rows, [false, false, true, true, true, true, true, false, true],
  );
  const notes = skipped.map((s) => paragraph(`skipped ${s.hardware}: ${s.why}`));
  return [title, "", table, ...(notes.length > 0 ? ["", ...notes] : [])].join("\n");
}

export function registerCompare(program: Command, out: (s: string) => void): void {
  addPredictionOptions(program.command("compare").description("one model on several hardware choices, side by side (default: every shipped hardware that can hold it)"), { hardwareRequired: false })
    .option("--hardware <ids>", "comma-separated hardware ids or files; default: every hardware in models/hardware that can hold the model (the others are listed as skipped)")
    .action(async (f: Omit<PredictFlags, "hardware"> & { hardware?: string }, cmd: Command) => {
      checkSetConflicts(cmd, f.set);
      const explicit = f.hardware !== undefined;
      const { listIds } = await import("../registry.js");
      const hardware = explicit ? f.hardware!.split(",").map((h) => h.trim()).filter((h) => h !== "") : listIds("hardware");
      if (explicit) resolveRefs("hardware", hardware, "--hardware"); // harden: every unknown id at once
      // Problems of the flags and --set are the same on every hardware: reported once, before any is tried.
      const { scenarioFromLayers } = await import("../scenario/load.js");
      await blameFlags(() => scenarioFromLayers("command line", predictionLayers({ ...f, hardware: hardware[0] ?? "" })));
      const ps: Prediction[] = [];
      const skipped: Skipped[] = [];
      for (const h of hardware) {
        const layers = predictionLayers({ ...f, hardware: h });
        try {
          ps.push(await predictLayers(layers));
        } catch (err) {
          // Named on the command line: a problem is an error. Every hardware: one that cannot run this is skipped.
          if (explicit || !(err instanceof InputError)) throw err;
          skipped.push({ hardware: h, why: err.issues.map(formatIssue).join("; ") });
        }
      }
      assertFinite(ps, "compare"); // harden: results are numbers
      if (ps.length === 0) {
        throw new InputError(skipped.map((s) => ({ file: "--hardware", path: "", problem: `no hardware can run this: ${s.hardware}: ${s.why}` })));
      }
      for (const p of ps) reportWarnings(p.warnings, `${p.hardware.chips} x ${p.hardware.id}`);
      // issue 14: cost and energy per prediction
      const costs = await Promise.all(ps.map((p) => costLine(p)));
      if (f.json) {
        for (const s of skipped) process.stderr.write(`note: skipped ${s.hardware}: ${s.why}\n`);
        out(JSON.stringify(ps.map((p, i) => ({ ...p, cost: costs[i]!.json })), null, 2));
      } else out(`${renderComparison(comparisonHeader(f.model, ps), ps, skipped)}\n\n${ps.map((p, i) => `${p.hardware.chips} x ${p.hardware.id}: ${costs[i]!.text}`).join("\n")}`);
    });
}
