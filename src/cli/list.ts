import type { Command } from "commander";
import { Argument } from "commander";
import { listIds } from "../registry.js";
import { formatParams, formatSi } from "../units/format.js";
import { countCell, paragraph, renderTable, secondsCell, shareCell } from "./table.js";

/** What `wafersim list` shows; each lister returns the table or, with json, the JSON text. */
const LISTERS = {
  hardware: listHardware,
  models: listModels,
  software: listSoftware,
  stacks: listStacks,
  tasks: listTasks,
  scenarios: listScenarios,
  metrics: listMetrics,
} as const satisfies Readonly<Record<string, (json: boolean) => string | Promise<string>>>;

export type ListWhat = keyof typeof LISTERS;
export const LIST_KINDS = Object.keys(LISTERS) as ListWhat[];

export function registerList(program: Command, out: (s: string) => void): void {
  program
    .command("list")
    .description("show what exists, with key facts: hardware, models, software (fitted parameter sets), serving stacks, agent tasks, scenarios, metrics")
    .addArgument(new Argument("<what>", LIST_KINDS.join(" | ")).choices(LIST_KINDS))
    .option("--json", "machine-readable output")
    .action(async (what: ListWhat, opts: { json?: boolean }) => {
      out(await LISTERS[what](!!opts.json));
    });
}

const json = (x: unknown) => JSON.stringify(x, null, 2);

/** The software sets (fitted parameters) that apply to a hardware id, default first. */
async function softwareFor(hardwareId: string): Promise<string[]> {
  const { parameterSets } = await import("../engine/parameters.js");
  return parameterSets()
    .filter((s) => s.hardware.includes(hardwareId))
    .sort((a, b) => Number(b.software.default) - Number(a.software.default))
    .map((s) => s.software.id);
}

export async function listHardware(asJson: boolean): Promise<string> {
  const { loadHardware } = await import("../hardware/load.js");
  const items = await Promise.all(listIds("hardware").map(async (id) => ({ h: loadHardware(id), software: await softwareFor(id) })));
  if (asJson) {
    return json(items.map(({ h, software }) => ({
      id: h.id, name: h.name, kind: h.kind,
      memoryBytes: h.memory.capacity.value, memoryKind: h.memory.kind,
      memoryBandwidthBytesPerSecond: h.memory.bandwidth.value,
      bf16FlopPerSecond: h.compute.bf16.value,
      scaleUpDevices: h.interconnect.scaleUp?.devices.value ?? 1,
      scaleOutBandwidthBytesPerSecond: h.interconnect.scaleOut.bandwidth.value,
      software, defaultSoftware: software[0] ?? null,
      file: h.file,
    })));
  }
  return renderTable(
    ["id", "kind", "memory", "mem. bandwidth", "bf16 dense", "links", "software (default first)", "name"],
    items.map(({ h, software }) => [
      h.id, h.kind,
      `${formatSi(h.memory.capacity.value, "B")} ${h.memory.kind.toUpperCase()}`,
      formatSi(h.memory.bandwidth.value, "B/s"),
      formatSi(h.compute.bf16.value, "FLOP/s"),
      h.interconnect.scaleUp ? `${h.interconnect.scaleUp.devices.value} x ${formatSi(h.interconnect.scaleUp.bandwidth.value, "B/s")}` : formatSi(h.interconnect.scaleOut.bandwidth.value, "B/s"),
      software.join(", ") || "none",
      h.name,
    ]),
    [false, false, true, true, true, true, false, false],
  );
}

export async function listModels(asJson: boolean): Promise<string> {
  const { loadModel } = await import("../model/load.js");
  const items = listIds("llm").map((id) => loadModel(id));
  if (asJson) {
    return json(items.map((m) => ({
      id: m.id, name: m.name,
      totalParams: m.params.totalParams, activeParams: m.params.activeParams,
      layers: m.arch.layers, attention: m.arch.attention.kind,
      experts: m.arch.groups.find((g) => g.ffn.kind === "moe")?.ffn ?? null,
      nativeFormat: m.arch.nativeFormat, maxContext: m.arch.maxContext,
      assumption: m.assumption ?? null, file: m.file,
    })));
  }
  return renderTable(
    ["id", "total", "active", "layers", "attention", "experts", "weights", "context", "name"],
    items.map((m) => {
      const moe = m.arch.groups.map((g) => g.ffn).find((f) => f.kind === "moe");
      const fmt = m.arch.nativeFormat;
      return [
        m.id, formatParams(m.params.totalParams), formatParams(m.params.activeParams), String(m.arch.layers),
        m.arch.attention.kind === "mla" ? "MLA" : `GQA ${m.arch.attention.heads}/${m.arch.attention.kvHeads}`,
        moe && moe.kind === "moe" ? `${moe.activeExperts} of ${moe.experts}` : "dense",
        fmt.default === fmt.experts ? fmt.default : `${fmt.default}, experts ${fmt.experts}`,
        m.arch.maxContext ? `${Math.round(m.arch.maxContext / 1024)}k` : "?",
        (m.assumption ? "[assumed] " : "") + m.name,
      ];
    }),
    [false, true, true, true, false, false, false, true, false],
  );
}

/** A parameter set's fit quality as stored by `calibrate --write` (provenance.mapePct, looMapePct), when present. */
function fitErrors(provenance: object): { mapePct: number | null; looMapePct: number | null } {
  const p = provenance as { mapePct?: unknown; looMapePct?: unknown };
  return { mapePct: typeof p.mapePct === "number" ? p.mapePct : null, looMapePct: typeof p.looMapePct === "number" ? p.looMapePct : null };
}

const pct = (v: number | null) => (v === null ? "-" : `${v.toFixed(1)}%`);

export async function listSoftware(asJson: boolean): Promise<string> {
  const { parameterSets } = await import("../engine/parameters.js");
  const sets = parameterSets();
  if (asJson) {
    return json(sets.map((s) => ({
      id: s.software.id, name: s.software.name, kind: s.kind, hardware: s.hardware, default: s.software.default,
      method: s.provenance.method, date: s.provenance.date, references: s.provenance.references ?? [],
      ...fitErrors(s.provenance), note: s.software.note ?? null, file: s.file,
    })));
  }
  return renderTable(
    ["id", "hardware", "default", "parameters", "date", "references", "fit error", "leave-one-out error", "name"],
    sets.map((s) => {
      const e = fitErrors(s.provenance);
      return [
        s.software.id, s.hardware.join(", "), s.software.default ? "yes" : "no", s.provenance.method, s.provenance.date,
        String(s.provenance.references?.length ?? 0), pct(e.mapePct), pct(e.looMapePct), s.software.name,
      ];
    }),
    [false, false, false, false, false, true, true, true, false],
  ) + `\n\n${paragraph("fit error and leave-one-out error: mean absolute percentage error over the set's references, with the fitted parameters and predicted by fits that left each reference out (`wafersim calibrate` for each reference)")}`;
}

export async function listStacks(asJson: boolean): Promise<string> {
  const st = await import("../stack/index.js");
  const items = listIds("stacks").map((id) => st.loadStack(id));
  if (asJson) {
    return json(items.map((s) => ({
      id: s.id, name: s.name,
      roundtripOverheadSeconds: st.roundtripOverheadSeconds(s), ttftOverheadSeconds: st.stackTtftSeconds(s),
      perTokenOverheadSeconds: s.perTokenOverhead.value, sessionOpenSeconds: st.sessionOpenSeconds(s), file: s.file,
    })));
  }
  return renderTable(
    ["id", "per round trip", "added to TTFT", "per token", "session opening", "name"],
    items.map((s) => [s.id, secondsCell(st.roundtripOverheadSeconds(s)), secondsCell(st.stackTtftSeconds(s)), secondsCell(s.perTokenOverhead.value), secondsCell(st.sessionOpenSeconds(s)), s.name]),
    [false, true, true, true, true, false],
  );
}

export async function listTasks(asJson: boolean): Promise<string> {
  const { loadTask } = await import("../agent/profile.js");
  const items = listIds("tasks").map((id) => loadTask(id));
  if (asJson) {
    return json(items.map((t) => ({
      id: t.id, name: t.name, turns: t.turns.value, initialPromptTokens: t.initialPromptTokens.value, promptGrowthPerTurn: t.promptGrowthPerTurn.value,
      visibleOutputTokensPerTurn: t.visibleOutputTokensPerTurn.value, reasoningOutputTokensPerTurn: t.reasoningOutputTokensPerTurn.value,
      toolSecondsPerTurn: t.toolTimePerTurn.value, promptCacheHitRate: t.promptCacheHitRate.value,
      accuracy: Object.fromEntries(Object.entries(t.accuracy ?? {}).map(([k, v]) => [k, v.value])), file: t.file,
    })));
  }
  return renderTable(
    ["id", "turns", "first prompt", "growth per turn", "output per turn", "tool time per turn", "prompt cache hits", "name"],
    items.map((t) => [
      t.id, String(t.turns.value), `${countCell(t.initialPromptTokens.value)} tokens`, `${countCell(t.promptGrowthPerTurn.value)} tokens`,
      `${countCell(t.visibleOutputTokensPerTurn.value + t.reasoningOutputTokensPerTurn.value)} tokens`, secondsCell(t.toolTimePerTurn.value), shareCell(t.promptCacheHitRate.value), t.name,
    ]),
    [false, true, true, true, true, true, true, false],
  );
}

export async function listScenarios(asJson: boolean): Promise<string> {
  const { loadScenario, SCENARIOS_DIR } = await import("../scenario/load.js");
  const { grid } = await import("../scenario/axes.js");
  const { readdirSync } = await import("node:fs");
  const ids = readdirSync(SCENARIOS_DIR).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, "")).sort();
  const items = ids.map((id) => {
    const sc = loadScenario(id);
    return { id, title: sc.title ?? null, kind: sc.session ? "agent sessions" : "predictions", axes: sc.axes.map((a) => a.key), points: grid(sc.axes, sc.zip).total, file: sc.file };
  });
  if (asJson) return json(items);
  return renderTable(
    ["id", "points", "of", "swept", "title"],
    items.map((s) => [s.id, countCell(s.points), s.kind, s.axes.join(", ") || "-", s.title ?? "-"]),
    [false, true, false, false, false],
  ) + `\n\n${paragraph("`wafersim run <id>` shows one as a table, `wafersim chart <id>` draws it, `wafersim sweep <id>` writes every point")}`;
}

export async function listMetrics(asJson: boolean): Promise<string> {
  const { METRICS } = await import("../scenario/fast.js");
  const { SESSION_METRICS } = await import("../scenario/session.js");
  const { METRIC_INFO } = await import("../scenario/metrics.js");
  const rows = [
    ...METRICS.map((m) => ({ name: m, of: (SESSION_METRICS as readonly string[]).includes(m) ? "predictions, agent sessions" : "predictions", ...METRIC_INFO[m] })),
    ...SESSION_METRICS.filter((m) => !(METRICS as readonly string[]).includes(m)).map((m) => ({ name: m, of: "agent sessions", ...METRIC_INFO[m] })),
  ];
  if (asJson) return json(rows.map((r) => ({ name: r.name, of: r.of, unit: r.unit, title: r.title, meaning: r.meaning })));
  return renderTable(["metric", "unit", "of", "meaning"], rows.map((r) => [r.name, r.unit || "-", r.of, r.meaning]))
    + `\n\n${paragraph("sweep and run columns, `solve --target` and `chart --metric` take these names; values are SI (seconds, bytes, tok/s)")}`;
}
