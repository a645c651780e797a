/**
 * Charts of a scenario file: its sweep (chart 6, one chart per metric) from the scenario's
 * plan, and, when it compares hardware, charts 2 and 3 from full predictions. Also the report:
 * every built-in chart and one shipped scenario's sweep. Runs the engine (not pure); the specs
 * themselves are built by the pure functions of this folder.
 */
import { relative } from "node:path";
import { InputError } from "../errors.js";
import type { Prediction } from "../engine/predict.js";
import { loadScenario } from "../scenario/load.js";
import { makePlan, type Point } from "../scenario/plan.js";
import { perTokenBreakdownSpec, ttftBreakdownSpec } from "./breakdown.js";
import { pointLimitIssue } from "../scenario/axes.js";
import { calibrationText, type SetUse } from "./format.js";
import { hardwareBarsSpec } from "./hardware.js";
import { sessionTimelineOf } from "./input.js";
import { sessionSpecs } from "./session.js";
import { calibrationSetSpecs, CHART_SETS, engineSpecs, LIVE_SETS, sessionsSetSpecs, type ChartPart } from "./sets.js";
import type { ChartSpec } from "./spec.js";
import { axisGroups, defaultMetrics, sweepSpecs, type ChartTarget, type SweepData, type SweepRow } from "./sweep.js";

export interface ScenarioChartOptions {
  readonly version: string;
  /** sweep metrics to draw (default: see `defaultMetrics` in sweep.ts) */
  readonly metrics?: readonly string[];
  /** targets drawn as lines on their metric's chart (a metric with a target is drawn) */
  readonly targets?: readonly ChartTarget[];
}

/** Sweeps larger than this are charted from `wafersim sweep --format json` output instead. */
export const MAX_CHART_POINTS = 20_000;

function where(file: string): string {
  const r = relative(process.cwd(), file);
  return r === "" || r.startsWith("..") ? file : r;
}

function setUse(p: Point): SetUse {
  const pr = p.context.prepared;
  return { software: pr.parameterSet.software.id, hardware: pr.hardware.id, provenance: pr.parameterSet.provenance };
}

/**
 * The rows for charts 2 and 3 when a scenario compares hardware: one per hardware value (with
 * the axes zipped to it), every other axis at its first value. Undefined when hardware is not
 * swept, or the points are agent sessions.
 */
export function hardwarePoints(data: SweepData): { readonly indices: readonly number[]; readonly fixed: readonly string[] } | undefined {
  if (data.kind !== "prediction" || !data.axes.includes("hardware")) return undefined;
  const groups = axisGroups(data);
  const hw = groups.find((g) => g.includes("hardware"))!;
  const others = groups.filter((g) => g !== hw).flat();
  const first = data.rows[0]!;
  const seen = new Set<string>();
  const indices: number[] = [];
  data.rows.forEach((r, i) => {
    const key = JSON.stringify(hw.map((k) => r.axes[k] ?? null));
    if (seen.has(key) || !others.every((k) => r.axes[k] === first.axes[k]) || r.note !== "") return;
    seen.add(key);
    indices.push(i);
  });
  if (indices.length < 2) return undefined;
  return { indices, fixed: others.map((k) => `${k} ${String(first.axes[k])}`) };
}

const withNote = (s: ChartSpec, note: string): ChartSpec => (note === "" ? s : { ...s, subtitle: `${s.subtitle ?? ""}; ${note}` });

/** Every chart of a scenario file (a path, or the id of one in scenarios/). */
export async function scenarioCharts(ref: string, opts: ScenarioChartOptions): Promise<{ readonly name: string; readonly description: string; readonly specs: ChartSpec[] }> {
  const sc = loadScenario(ref);
  const plan = await makePlan(sc);
  plan.prepareAll();
  const name = sc.file.replace(/^.*[\\/]/, "").replace(/\.ya?ml$/i, "");
  const description = [sc.title ?? `scenario ${where(sc.file)}`, sc.question].filter((x): x is string => !!x).join(": ");
  const tooMany = pointLimitIssue(plan.total, MAX_CHART_POINTS, {
    file: sc.file, path: "sweep", what: "more than a chart can show directly",
    raise: `run \`wafersim sweep ${ref} --format json --out points.json\`, then \`wafersim chart points.json\``,
  });
  if (tooMany) throw new InputError([tooMany]);
  const rows: SweepRow[] = [];
  const uses: SetUse[] = [];
  const seenContexts = new Set<unknown>();
  // Error bands come with full predictions: computed for every point only when the engine gives them.
  let banded: boolean | undefined;
  const models = new Set<string>();
  for (let i = 0; i < plan.total; i++) {
    const p = plan.point(i);
    if (!seenContexts.has(p.context)) {
      seenContexts.add(p.context);
      uses.push(setUse(p));
      models.add(p.context.prepared.model.id);
    }
    if (plan.kind === "prediction" && p.note === "" && banded !== false) {
      const u = (plan.predictionAt(i).stacked as Prediction).uncertainty ?? {};
      banded = Object.keys(u).length > 0;
      if (banded) {
        rows.push({ axes: p.axes, metrics: p.metrics, note: p.note, bands: Object.fromEntries(Object.entries(u).map(([k, b]) => [k, { low: b.low, high: b.high }])) });
        continue;
      }
    }
    rows.push({ axes: p.axes, metrics: p.metrics, note: p.note });
  }
  const chain = sc.chain.map(where);
  const origin = [
    `wafersim ${opts.version} ${plan.kind === "session" ? "agent sessions" : "engine predictions"} of the scenario ${chain[chain.length - 1]}${chain.length > 1 ? ` (extends ${chain.slice(0, -1).join(", ")})` : ""}`,
    `model ${[...models].join(", ")} (models/llm); hardware ${[...new Set(uses.map((u) => u.hardware))].join(", ")} (models/hardware)`,
    `calibration: ${calibrationText(uses)}`,
  ].join("; ");
  const specs: ChartSpec[] = [];
  if (sc.axes.length === 0) {
    // one point: its prediction (charts 2, 3) or its session (chart 5)
    if (plan.kind === "session") {
      const { session } = plan.sessionAt(0);
      specs.push(...sessionSpecs([sessionTimelineOf(session)], origin));
    } else {
      const ps = [plan.predictionAt(0).prediction];
      specs.push(hardwareBarsSpec(ps, opts.version), ttftBreakdownSpec(ps, opts.version), perTokenBreakdownSpec(ps, opts.version));
    }
    return { name, description, specs };
  }
  const data: SweepData = { axes: sc.axes.map((a) => a.key), rows, kind: plan.kind === "serving" ? "session" : plan.kind, ...(sc.title ? { title: sc.title } : {}) };
  const targets = opts.targets ?? [];
  const metrics = opts.metrics && opts.metrics.length > 0 ? opts.metrics : [...new Set([...defaultMetrics(data), ...targets.map((t) => t.metric)])];
  specs.push(...sweepSpecs(data, metrics, { origin, file: where(sc.file), targets }));
  const hw = hardwarePoints(data);
  if (hw) {
    const ps: Prediction[] = hw.indices.map((i) => plan.predictionAt(i).prediction);
    const note = hw.fixed.length > 0 ? `at ${hw.fixed.join(", ")} (the first value of each other axis)` : "";
    specs.push(...[hardwareBarsSpec(ps, opts.version), ttftBreakdownSpec(ps, opts.version), perTokenBreakdownSpec(ps, opts.version)].map((s) => withNote(s, note)));
  }
  return { name, description, specs };
}

/** The shipped scenario whose sweep the report shows. */
export const REPORT_SCENARIO = "context-8k-128k";

/** Every chart: the codex-spark set, calibration, the sessions and one shipped scenario's sweep. */
export async function reportParts(version: string, scenario = REPORT_SCENARIO): Promise<ChartPart[]> {
  const set = CHART_SETS["codex-spark"]!;
  const sc = await scenarioCharts(scenario, { version });
  return uniqueIds([
    { id: set.id, title: "Codex-Spark on a wafer against GPUs", description: set.description, specs: engineSpecs(set, version) },
    { id: "calibration", title: "Calibration", description: LIVE_SETS["calibration"]!, specs: calibrationSetSpecs(version) },
    { id: "sessions", title: "Agent sessions", description: LIVE_SETS["sessions"]!, specs: sessionsSetSpecs(version) },
    { id: sc.name, title: `Scenario ${sc.name}`, description: sc.description, specs: sc.specs },
  ]);
}

/** Chart ids name HTML sections and files: a later part's clashing id gets its part's id in front. */
export function uniqueIds(parts: readonly ChartPart[]): ChartPart[] {
  const used = new Set<string>();
  return parts.map((p) => ({
    ...p,
    specs: p.specs.map((s) => {
      let id = s.id;
      if (used.has(id)) id = `${p.id}-${s.id}`;
      for (let n = 2; used.has(id); n++) id = `${p.id}-${s.id}-${n}`;
      used.add(id);
      return id === s.id ? s : { ...s, id };
    }),
  }));
}
