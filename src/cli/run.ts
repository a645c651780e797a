import { relative } from "node:path";
import type { Command } from "commander";
import { assertFinite } from "../io/finite.js";
import type { Prediction } from "../engine/predict.js";
import type { Scenario } from "../scenario/load.js";
import type { Plan, Point } from "../scenario/plan.js";
import { OVERHEAD_LABELS, OVERHEAD_PARTS } from "../scenario/session.js";
import { formatCount, formatParams, formatSeconds, formatSi } from "../units/format.js";
import { DIMENSIONS } from "../units/dimensions.js";
import { renderTable } from "./table.js";

const where = (file: string) => (file === "default" ? "default" : relative(process.cwd(), file) || file);

function shorten(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n - 3)}...` : s;
}

/** Which file each value came from: the c12-style provenance of a layered scenario. */
export function renderInputs(sc: Scenario): string {
  const rows: string[][] = [...sc.settings.values()].map((s) => [s.key, shorten(s.text), where(s.file)]);
  for (const a of sc.axes) rows.push([a.key, shorten(`sweep: ${a.texts.slice(0, 4).join(", ")}${a.texts.length > 4 ? `, ... (${a.texts.length} values)` : ""}`), where(a.file)]);
  if (sc.zip.length > 0) rows.push(["zip", sc.zip.join(", "), where(sc.zipFile ?? sc.file)]);
  return renderTable(["input", "value", "from"], rows);
}

function fmtCell(v: unknown): string {
  return v === null || v === undefined ? "-" : typeof v === "number" ? formatCount(v, 4) : String(v);
}

export function renderSweepTable(plan: Plan, points: readonly Point[]): string {
  const headers = [...plan.axes.map((a) => a.key), "chips used", "tok/s per user", "per token", "tok/s total", "TTFT", "request", "bound", "note"];
  const rows = points.map((p) => {
    const m = p.metrics;
    const num = (k: string) => m[k] as number | null;
    const secs = (k: string) => (num(k) === null ? "-" : formatSeconds(num(k)!));
    return [
      ...plan.axes.map((a) => axisText(a, p.axes[a.key])),
      fmtCell(m["hardware.chips"]), fmtCell(m["decode.tokensPerSecondPerUser"]), secs("decode.timePerOutputTokenSeconds"),
      fmtCell(m["decode.aggregateTokensPerSecond"]), secs("ttftSeconds"), secs("requestSeconds"), fmtCell(m["decode.bound"]), shorten(p.note, 50),
    ];
  });
  return renderTable(headers, rows, headers.map((h, i) => i >= plan.axes.length && i < headers.length - 2));
}

/**
 * The sweep table of a scenario with `task`: one agent session per row. A sweep over serving
 * stacks also shows what each stack's overhead is made of, as shares of the wall time.
 */
export function renderSessionSweepTable(plan: Plan, points: readonly Point[]): string {
  const parts = plan.axes.some((a) => a.key === "stack") ? OVERHEAD_PARTS : [];
  const headers = [
    ...plan.axes.map((a) => a.key), "chips", "users per step", "decode tok/s", "wall time", "model", "tools", "serving overhead", "model share", "tool share", "overhead share",
    ...parts.map((p) => `${OVERHEAD_LABELS[p].short} share`), "note",
  ];
  const pct = (v: Point["metrics"][string] | undefined) => (typeof v === "number" ? `${(100 * v).toFixed(1)}%` : "-");
  const rows = points.map((p) => {
    const m = p.metrics;
    const secs = (k: string) => (typeof m[k] === "number" ? formatSeconds(m[k]) : "-");
    return [
      ...plan.axes.map((a) => axisText(a, p.axes[a.key])),
      fmtCell(m["hardware.chips"]), fmtCell(m["session.batch"]), fmtCell(m["session.decodeTokensPerSecond"]),
      secs("session.wallSeconds"), secs("session.modelSeconds"), secs("session.toolSeconds"), secs("session.overheadSeconds"),
      pct(m["session.shares.model"]), pct(m["session.shares.tool"]), pct(m["session.shares.overhead"]),
      ...parts.map((part) => pct(m[`session.shares.${part}`])), shorten(p.note, 50),
    ];
  });
  return renderTable(headers, rows, headers.map((h, i) => i >= plan.axes.length && i < headers.length - 1));
}

function axisText(a: Plan["axes"][number], v: Point["axes"][string] | undefined): string {
  const dim = a.def.range?.dim;
  if (dim && typeof v === "number") return dim === "time" ? formatSeconds(v) : formatSi(v, DIMENSIONS[dim].si);
  return fmtCell(v);
}

const MAX_ROWS = 1000;

export function registerRun(program: Command, out: (s: string) => void): void {
  program
    .command("run")
    .description("evaluate a scenario file: one prediction (or agent session, with task), or a table of its sweep")
    .argument("<scenario>", "scenario file, or the name of one in scenarios/")
    .option("--json", "machine-readable output")
    .action(async (ref: string, f: { json?: boolean }) => {
      const { loadScenario } = await import("../scenario/load.js");
      const { makePlan } = await import("../scenario/plan.js");
      const sc = loadScenario(ref);
      const plan = await makePlan(sc);
      plan.prepareAll();
      const inputs = [...sc.settings.values()].map((s) => ({ key: s.key, value: s.value, text: s.text, from: s.file }));
      const axes = sc.axes.map((a) => ({ key: a.key, values: a.values, from: a.file }));
      const head = [sc.title ? `${sc.title}` : where(sc.file), ...(sc.question ? [sc.question] : [])].join("\n");
      if (plan.total === 1 && sc.axes.length === 0 && plan.kind === "session") {
        const session = assertFinite(plan.sessionAt(0).session, "run"); // harden: results are numbers
        if (f.json) { out(JSON.stringify({ scenario: sc.file, title: sc.title ?? null, question: sc.question ?? null, inputs, result: session }, null, 2)); return; }
        const { renderSession } = await import("./session.js");
        out(`${head}\n\n${renderInputs(sc)}\n\n${renderSession(session)}`);
        return;
      }
      if (plan.total === 1 && sc.axes.length === 0) {
        const { stacked, prediction } = assertFinite(plan.predictionAt(0), "run"); // harden: results are numbers
        if (f.json) { out(JSON.stringify({ scenario: sc.file, title: sc.title ?? null, question: sc.question ?? null, inputs, result: stacked }, null, 2)); return; }
        const { renderPrediction } = await import("./predict.js");
        out(`${head}\n\n${renderInputs(sc)}\n\n${renderPrediction(prediction as Prediction)}`);
        if (stacked !== prediction) out(`\nwith the serving stack ${String(sc.settings.get("stack")?.text)}:\n${JSON.stringify(stacked, null, 2)}`);
        return;
      }
      const n = Math.min(plan.total, f.json ? plan.total : MAX_ROWS);
      const points: Point[] = [];
      for (let i = 0; i < n; i++) points.push(plan.point(i));
      assertFinite(points.map((p) => p.metrics), "run"); // harden: results are numbers
      if (f.json) { out(JSON.stringify({ scenario: sc.file, title: sc.title ?? null, question: sc.question ?? null, inputs, axes, points: points.map(({ context: _c, ...p }) => p) }, null, 2)); return; }
      const model = points[0]?.context.prepared.model;
      out(`${head}\n\n${renderInputs(sc)}\n\n${model ? `model ${model.id}: ${formatParams(model.params.totalParams)} parameters\n\n` : ""}${plan.kind === "session" ? renderSessionSweepTable(plan, points) : renderSweepTable(plan, points)}`);
      if (plan.total > n) out(`... ${formatCount(plan.total - n)} more points: use \`wafersim sweep ${ref}\` for all of them`);
    });
}
