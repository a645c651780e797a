import type { Command } from "commander";
import { Option } from "commander";
import { inputError } from "../errors.js";
import type { Beyond, Edge, EdgeReason, SolveResult } from "../scenario/solve.js";
import { formatCount, formatParams } from "../units/format.js";
import { metricInfo } from "../scenario/metrics.js";
import { wholeNumber } from "./options.js";
import { addSetOption, parseValue, setLayers } from "./set.js";
import { paragraph, renderTable, secondsCell, shareCell } from "./table.js";

function edgeText(e: Edge | null, side: "lowest" | "highest"): string {
  if (!e) return "none";
  return `${e.text}${e.atRangeEnd ? (side === "lowest" ? " (or below)" : " (or above)") : ""}`;
}

const REASONS: Readonly<Record<EdgeReason, string>> = {
  target: "misses the target",
  memory: "does not fit",
  "context window": "exceeds the context window",
  range: "range end",
};

/** A metric value with its unit: times as seconds, others as counts with the unit. */
export function metricText(metric: string, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "-";
  const info = metricInfo(metric);
  if (info?.kind === "time") return secondsCell(v);
  if (info?.kind === "share") return shareCell(v);
  return `${formatCount(v)}${info?.unit ? ` ${info.unit}` : ""}`;
}

/** Why the region ends past an edge: "memory: 23 does not fit", "target: 19 gives 99.96 tok/s", "range end". */
export function reasonText(e: Edge | null, metric: string): string {
  if (!e) return "-";
  if (e.endsBecause === "range" || !e.beyond) return REASONS.range;
  const b: Beyond = e.beyond;
  return e.endsBecause === "target" ? `target: ${b.text} gives ${metricText(metric, b.metric)}` : `${e.endsBecause}: ${b.text} ${REASONS[e.endsBecause]}`;
}

export function renderSolve(r: SolveResult): string {
  if (r.goal) return renderOptimum(r);
  const fixedKeys = Object.keys(r.rows[0]?.fixed ?? {});
  const m = (v: number | null) => metricText(r.target.metric, v);
  // chips is a column of its own only when it is not already one of the fixed axes
  const chips = !fixedKeys.includes("chips");
  const sizes = new Set(r.rows.flatMap((row) => [row.lowest, row.highest].flatMap((e) => (e ? [e.totalParams] : []))));
  const size = r.vary.startsWith("model") || sizes.size > 1;
  const headers = [...fixedKeys, `lowest ${r.vary}`, "metric there", "below it", `highest ${r.vary}`, "metric there", "above it", ...(chips ? ["chips"] : []), ...(size ? ["model size"] : [])];
  const rows = r.rows.map((row) => {
    const e = row.highest ?? row.lowest;
    return [
      ...fixedKeys.map((k) => String(row.fixed[k])),
      edgeText(row.lowest, "lowest"), m(row.lowest?.metric ?? null), reasonText(row.lowest, r.target.metric),
      edgeText(row.highest, "highest"), m(row.highest?.metric ?? null), reasonText(row.highest, r.target.metric),
      ...(chips ? [e ? formatCount(e.chips) : "-"] : []), ...(size ? [e ? formatParams(e.totalParams) : "-"] : []),
    ];
  });
  const misses = r.rows.filter((row) => row.lowest === null && row.highest === null).map((row) => {
    const at = fixedKeys.length > 0 ? ` at ${fixedKeys.map((k) => `${k} ${String(row.fixed[k])}`).join(", ")}` : "";
    return paragraph(row.best
      ? `no value meets the target${at}: the best reached is ${m(row.best.metric)} at ${r.vary} ${row.best.text}`
      : `no value meets the target${at}, and no value could run (${row.points[0]?.note ?? "no points"})`);
  });
  const head = paragraph(`${r.target.metric} ${r.target.op} ${m(r.target.value)}, varying ${r.vary} from ${r.range.fromText} to ${r.range.toText} (${r.range.values} values from ${r.range.searched}, edges refined between them)`);
  return [head, "", renderTable(headers, rows), ...(misses.length > 0 ? ["", ...misses] : [])].join("\n");
}

export function registerSolve(program: Command, out: (s: string) => void): void {
  addSetOption(program
    .command("solve")
    .description("the inverse question: the lowest and highest value of a key that still meet a target, and why the range ends there; exits 1 when no value meets it")
    .argument("<scenario>", "scenario file, or the name of one in scenarios/")
    .option("--target <metric><op><value>", "e.g. decode.tokensPerSecondPerUser>=1000 (SI units; `wafersim list metrics`)")
    .option("--maximize <metric>", "instead of a target: the value of the key that gives the highest metric (every listed value is tried), e.g. --vary speculation.draftTokens --maximize decode.tokensPerSecondPerUser")
    .option("--minimize <metric>", "instead of a target: the value of the key that gives the lowest metric")
    .requiredOption("--vary <key>", "any numeric scenario key: a sweep axis of the scenario (its values are searched), or a key with --from/--to "
      + "(default ranges: batch 1-65,536, promptTokens and outputTokens 1-1,048,576, chips 1-64, what-ifs x0.01-x100, speculation.acceptance 0-1)")
    .option("--from <value>", "start of the range searched, as in a scenario file (8192, \"44 GB\", x0.5)", parseValue("--from"))
    .option("--to <value>", "end of the range searched", parseValue("--to"))
    .option("--steps <N>", "values listed in the range before the edges are refined (default 33)", wholeNumber("--steps"))
    .addOption(new Option("--scale <scale>", "spacing of the listed values").choices(["linear", "log"]))
    .option("--json", "machine-readable output"))
    .action(async (ref: string, f: { target?: string; maximize?: string; minimize?: string; vary: string; from?: unknown; to?: unknown; steps?: number; scale?: string; set?: string[]; json?: boolean }) => {
      const { solve, parseTarget, goalTarget } = await import("../scenario/solve.js");
      const { loadScenario } = await import("../scenario/load.js");
      const asked = [f.target !== undefined ? "--target" : "", f.maximize !== undefined ? "--maximize" : "", f.minimize !== undefined ? "--minimize" : ""].filter((x) => x !== "");
      if (asked.length !== 1) throw inputError({ file: asked[1] ?? "--target", path: "", problem: asked.length === 0 ? "missing" : `given with ${asked[0]}`, got: asked.join(" and ") || "none", expected: "exactly one of --target, --maximize and --minimize" });
      const goal = f.maximize !== undefined ? "maximize" as const : f.minimize !== undefined ? "minimize" as const : undefined;
      const target = goal ? goalTarget(goal, (f.maximize ?? f.minimize)!) : parseTarget(f.target!);
      const r = await solve(loadScenario(ref, setLayers(f.set)), target, f.vary, {
        ...(f.from !== undefined ? { from: f.from } : {}), ...(f.to !== undefined ? { to: f.to } : {}),
        ...(f.steps !== undefined ? { steps: f.steps } : {}), ...(f.scale !== undefined ? { scale: f.scale } : {}),
      }, goal);
      out(f.json ? JSON.stringify(r, null, 2) : renderSolve(r));
      // Not met is an answer, not an error: printed, then exit code 1 for scripts.
      if (!r.met) process.exitCode = 1;
    });
}

/** --maximize / --minimize: the best value of the key per combination of the other axes. */
function renderOptimum(r: SolveResult): string {
  const fixedKeys = Object.keys(r.rows[0]?.fixed ?? {});
  const m = (v: number | null) => metricText(r.target.metric, v);
  const rows = r.rows.map((row) => [
    ...fixedKeys.map((k) => String(row.fixed[k])),
    row.optimum ? row.optimum.text : "-",
    row.optimum ? m(row.optimum.metric) : `none could run (${row.points[0]?.note ?? "no points"})`,
  ]);
  const head = paragraph(`${r.goal} ${r.target.metric}, varying ${r.vary} from ${r.range.fromText} to ${r.range.toText} (${r.range.values} values from ${r.range.searched}, every one tried)`);
  return [head, "", renderTable([...fixedKeys, `best ${r.vary}`, r.target.metric], rows)].join("\n");
}
