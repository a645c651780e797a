import type { Command } from "commander";
import type { Edge, SolveResult } from "../scenario/solve.js";
import { formatCount, formatParams } from "../units/format.js";
import { renderTable } from "./table.js";

function edgeText(e: Edge | null, side: "lowest" | "highest"): string {
  if (!e) return "none";
  return `${e.text}${e.atRangeEnd ? (side === "lowest" ? " (or below)" : " (or above)") : ""}`;
}

export function renderSolve(r: SolveResult): string {
  const fixedKeys = Object.keys(r.rows[0]?.fixed ?? {});
  const headers = [...fixedKeys, `lowest ${r.vary}`, "metric there", `highest ${r.vary}`, "metric there", "chips", "model size"];
  const rows = r.rows.map((row) => {
    const e = row.highest ?? row.lowest;
    return [
      ...fixedKeys.map((k) => String(row.fixed[k])),
      edgeText(row.lowest, "lowest"), row.lowest ? formatCount(row.lowest.metric) : "-",
      edgeText(row.highest, "highest"), row.highest ? formatCount(row.highest.metric) : "-",
      e ? formatCount(e.chips) : "-", e ? formatParams(e.totalParams) : "-",
    ];
  });
  return `${r.target.metric} ${r.target.op} ${r.target.value}, varying ${r.vary} from ${String(r.range.from)} to ${String(r.range.to)} (${r.range.values} values listed)\n\n${renderTable(headers, rows)}`;
}

export function registerSolve(program: Command, out: (s: string) => void): void {
  program
    .command("solve")
    .description("the inverse question: the lowest and highest value of one axis that still meet a target")
    .argument("<scenario>", "scenario file, or the name of one in scenarios/")
    .requiredOption("--target <metric><op><value>", "e.g. decode.tokensPerSecondPerUser>=1000 (SI units)")
    .requiredOption("--vary <key>", "a sweep axis of the scenario; its values give the range searched")
    .option("--json", "machine-readable output")
    .action(async (ref: string, f: { target: string; vary: string; json?: boolean }) => {
      const { solve, parseTarget } = await import("../scenario/solve.js");
      const { loadScenario } = await import("../scenario/load.js");
      const target = parseTarget(f.target);
      const r = await solve(loadScenario(ref), target, f.vary);
      out(f.json ? JSON.stringify(r, null, 2) : renderSolve(r));
    });
}
