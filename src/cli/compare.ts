import type { Command } from "commander";
import type { Prediction } from "../engine/predict.js";
import { resolveRefs } from "../registry.js";
import { assertFinite } from "../io/finite.js";
import { formatCount, formatSeconds, formatSi } from "../units/format.js";
import { addPredictionOptions, toPredictOptions, withStackFlag, type PredictFlags } from "./predict.js";
import { renderTable } from "./table.js";

export function renderComparison(title: string, ps: readonly Prediction[]): string {
  const rows = ps.map((p) => [
    `${p.hardware.chips} x ${p.hardware.id}`,
    formatCount(p.decode.tokensPerSecondPerUser),
    formatSeconds(p.decode.timePerOutputTokenSeconds),
    formatCount(p.decode.aggregateTokensPerSecond),
    formatSeconds(p.ttftSeconds),
    formatSeconds(p.requestSeconds),
    p.decode.bound,
    formatSi(p.memory.weightBytes + p.memory.kvCacheBytes, "B"),
  ]);
  return `${title}\n\n${renderTable(["hardware", "tok/s per user", "per token", "tok/s total", "TTFT", "request", "bound", "memory used"], rows, [false, true, true, true, true, true, false, true])}`;
}

export function registerCompare(program: Command, out: (s: string) => void): void {
  addPredictionOptions(program.command("compare").description("one model on several hardware choices, side by side"), { hardwareRequired: false })
    .requiredOption("--hardware <ids>", "comma-separated hardware ids or files")
    .action(async (f: PredictFlags) => {
      const { predict } = await import("../engine/predict.js");
      resolveRefs("hardware", f.hardware.split(",").map((h) => h.trim()), "--hardware"); // harden: every unknown id at once
      const ps = assertFinite(await Promise.all(f.hardware.split(",").map((h) => withStackFlag(predict(toPredictOptions(f, h.trim())), f.stack))), "compare"); // harden: results are numbers
      if (f.json) out(JSON.stringify(ps, null, 2));
      else out(renderComparison(`${f.model}: batch ${f.batch}, prompt ${formatCount(f.promptTokens)}, output ${formatCount(f.outputTokens)} tokens`, ps));
    });
}
