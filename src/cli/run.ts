import { relative } from "node:path";
import type { Command } from "commander";
import { assertFinite } from "../io/finite.js";
import type { Prediction } from "../engine/predict.js";
import type { Band, Warning } from "../engine/types.js";
import type { Scenario } from "../scenario/load.js";
import type { Plan, Point } from "../scenario/plan.js";
import { OVERHEAD_LABELS, OVERHEAD_PARTS } from "../scenario/session.js";
import { formatParams } from "../units/format.js";
import { DIMENSIONS } from "../units/dimensions.js";
import { addSetOption, setLayers } from "./set.js";
import { countCell, paragraph, renderTable, secondsCell, shareCell, siCell, withBand } from "./table.js";

const where = (file: string) => (file === "default" || file.startsWith("--") ? file : relative(process.cwd(), file) || file);

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
  return v === null || v === undefined ? "-" : typeof v === "number" ? countCell(v) : String(v);
}

/** Per point: the full prediction's bands, when the table has them (charts and tables show them beside the value). */
export type BandsOf = (i: number) => Readonly<Record<string, Band>> | undefined;

/**
 * Chips used repeats a `chips` axis unless some value of it is `auto` (the fewest that fit):
 * then it says what `auto` chose.
 */
function chipsColumn(plan: Plan): boolean {
  const a = plan.axes.find((x) => x.key === "chips");
  return !a || a.values.some((v) => typeof v !== "number");
}

/** Model size is a column when it varies over the points, else one line over the table. */
function modelSizeVaries(points: readonly Point[]): boolean {
  return new Set(points.map((p) => p.metrics["model.totalParams"])).size > 1;
}

/** "what varies" over the table: the model, when its size is the same for every point. */
export function sweepHeading(points: readonly Point[]): string {
  const first = points[0];
  if (!first || modelSizeVaries(points)) return "";
  const m = first.context.prepared.model;
  const models = new Set(points.map((p) => p.context.prepared.model.id));
  return models.size === 1 ? `model ${m.id}: ${formatParams(m.params.totalParams)} parameters` : "";
}

export function renderSweepTable(plan: Plan, points: readonly Point[], bandsOf: BandsOf = () => undefined): string {
  const chips = chipsColumn(plan);
  const size = modelSizeVaries(points);
  const headers = [...plan.axes.map((a) => a.key), ...(chips ? ["chips used"] : []), ...(size ? ["model size"] : []), "tok/s per user", "per token", "tok/s total", "TTFT", "request", "bound", "note"];
  const rows = points.map((p) => {
    const m = p.metrics;
    const u = bandsOf(p.index) ?? {};
    const num = (k: string) => (typeof m[k] === "number" ? (m[k] as number) : null);
    const rate = (k: string) => (num(k) === null ? "-" : withBand(num(k)!, u[k], "rate", ""));
    const secs = (k: string) => (num(k) === null ? "-" : withBand(num(k)!, u[k], "time"));
    return [
      ...plan.axes.map((a) => axisText(a, p.axes[a.key])),
      ...(chips ? [fmtCell(m["hardware.chips"])] : []), ...(size ? [num("model.totalParams") === null ? "-" : formatParams(num("model.totalParams")!)] : []),
      rate("decode.tokensPerSecondPerUser"), secs("decode.timePerOutputTokenSeconds"),
      rate("decode.aggregateTokensPerSecond"), secs("ttftSeconds"), secs("requestSeconds"), fmtCell(m["decode.bound"]), p.note === "" ? "" : p.note,
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
  const chips = chipsColumn(plan);
  const headers = [
    ...plan.axes.map((a) => a.key), ...(chips ? ["chips"] : []), "users per step", "decode tok/s (model)", "wall time", "model", "tools", "serving overhead", "model share", "tool share", "overhead share",
    ...parts.map((p) => `${OVERHEAD_LABELS[p].short} share`), "note",
  ];
  const rows = points.map((p) => {
    const m = p.metrics;
    const n = (k: string) => (typeof m[k] === "number" ? (m[k] as number) : null);
    return [
      ...plan.axes.map((a) => axisText(a, p.axes[a.key])),
      ...(chips ? [fmtCell(m["hardware.chips"])] : []), fmtCell(m["session.batch"]), fmtCell(m["session.decodeTokensPerSecond"]),
      secondsCell(n("session.wallSeconds")), secondsCell(n("session.modelSeconds")), secondsCell(n("session.toolSeconds")), secondsCell(n("session.overheadSeconds")),
      shareCell(n("session.shares.model")), shareCell(n("session.shares.tool")), shareCell(n("session.shares.overhead")),
      ...parts.map((part) => shareCell(n(`session.shares.${part}`))), p.note,
    ];
  });
  return renderTable(headers, rows, headers.map((h, i) => i >= plan.axes.length && i < headers.length - 1));
}

function axisText(a: Plan["axes"][number], v: Point["axes"][string] | undefined): string {
  const dim = a.def.range?.dim;
  if (dim && typeof v === "number") return dim === "time" ? secondsCell(v) : siCell(v, DIMENSIONS[dim].si);
  return fmtCell(v);
}

/** Each distinct warning once, with the points it came from ("batch 64, hardware nvidia-h200"). */
export function sweepWarnings(items: readonly { readonly where: string; readonly warnings: readonly Warning[] }[]): string[] {
  const by = new Map<string, { w: Warning; at: string[] }>();
  for (const it of items) {
    for (const w of it.warnings) {
      const k = `${w.code}\u0000${w.message}`;
      const e = by.get(k) ?? { w, at: [] };
      e.at.push(it.where);
      by.set(k, e);
    }
  }
  return [...by.values()].map(({ w, at }) => `warning: ${w.message} [${w.code}] (${at.length === 1 ? at[0] : `${at.length} points, first ${at[0]}`})`);
}

const MAX_ROWS = 1000;

export function registerRun(program: Command, out: (s: string) => void): void {
  addSetOption(program
    .command("run")
    .description("evaluate a scenario file: one prediction (or agent session, with task), or a table of its sweep")
    .argument("<scenario>", "scenario file, or the name of one in scenarios/")
    .option("--json", "machine-readable output"))
    .action(async (ref: string, f: { json?: boolean; set?: string[] }) => {
      const { loadScenario } = await import("../scenario/load.js");
      const { makePlan } = await import("../scenario/plan.js");
      const { provenanceOf } = await import("../scenario/provenance.js");
      const { renderPrediction, reportWarnings } = await import("./predict.js");
      const sc = loadScenario(ref, setLayers(f.set));
      const plan = await makePlan(sc);
      plan.prepareAll();
      const inputs = [...sc.settings.values()].map((s) => ({ key: s.key, value: s.value, text: s.text, from: s.file }));
      const axes = sc.axes.map((a) => ({ key: a.key, values: a.values, from: a.file }));
      const head = [sc.title ? `${sc.title}` : where(sc.file), ...(sc.question ? [paragraph(sc.question)] : [])].join("\n");
      const meta = { scenario: sc.file, title: sc.title ?? null, question: sc.question ?? null, inputs };
      if (plan.kind === "serving" && !f.json) {
        // issue 14: simulate:/capacity: scenarios, one simulation or capacity search per point
        const { renderServingTable } = await import("./simulate.js");
        const pts: Point[] = [];
        for (let i = 0; i < Math.min(plan.total, MAX_ROWS); i++) pts.push(plan.point(i));
        out(`${head}\n\n${renderInputs(sc)}\n\n${renderServingTable(plan.axes.map((a) => a.key), pts)}`);
        return;
      }
      if (plan.total === 1 && sc.axes.length === 0 && plan.kind === "session") {
        const { session, context } = plan.sessionAt(0);
        assertFinite(session, "run"); // harden: results are numbers
        reportWarnings((session as { warnings?: readonly Warning[] }).warnings);
        if (f.json) { out(JSON.stringify({ ...meta, provenance: provenanceOf([context.prepared]), result: session }, null, 2)); return; }
        const { renderSession } = await import("./session.js");
        out(`${head}\n\n${renderInputs(sc)}\n\n${renderSession(session)}`);
        return;
      }
      if (plan.total === 1 && sc.axes.length === 0 && plan.kind === "prediction") {
        const { stacked, context } = plan.predictionAt(0);
        assertFinite(stacked, "run"); // harden: results are numbers
        const p = stacked as Prediction;
        reportWarnings(p.warnings);
        if (f.json) { out(JSON.stringify({ ...meta, provenance: provenanceOf([context.prepared]), result: p }, null, 2)); return; }
        out(`${head}\n\n${renderInputs(sc)}\n\n${renderPrediction(p)}`);
        return;
      }
      const n = Math.min(plan.total, f.json ? plan.total : MAX_ROWS);
      const points: Point[] = [];
      for (let i = 0; i < n; i++) points.push(plan.point(i));
      assertFinite(points.map((p) => p.metrics), "run"); // harden: results are numbers
      // The full predictions of the points that ran, for their bands and warnings (prediction scenarios shown as a table).
      const full = new Map<number, Prediction>();
      if (plan.kind === "prediction" && !f.json) for (const p of points) if (p.note === "") full.set(p.index, plan.predictionAt(p.index).stacked as Prediction);
      for (const line of sweepWarnings([...full.entries()].map(([i, p]) => ({ where: plan.axes.map((a) => `${a.key} ${String(points[i]!.axes[a.key])}`).join(", "), warnings: p.warnings })))) process.stderr.write(`${line}\n`);
      const provenance = provenanceOf(new Set(points.map((p) => p.context.prepared)));
      if (f.json) { out(JSON.stringify({ ...meta, provenance, axes, points: points.map(({ context: _c, ...p }) => p) }, null, 2)); return; }
      const heading = sweepHeading(points);
      const table = plan.kind === "session" ? renderSessionSweepTable(plan, points) : renderSweepTable(plan, points, (i) => full.get(i)?.uncertainty);
      out(`${head}\n\n${renderInputs(sc)}\n\n${heading ? `${heading}\n\n` : ""}${table}`);
      if (plan.total > n) out(`... ${countCell(plan.total - n)} more points: use \`wafersim sweep ${ref}\` for all of them`);
    });
}
