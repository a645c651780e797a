import { num, timeUnit } from "./format.js";
import { PART_COLOURS, type ChartSpec, type Point, type Series } from "./spec.js";

export type SegmentKind = "model" | "tool" | "overhead";

/** A span of an agent session's wall time. */
export interface Segment {
  readonly kind: SegmentKind;
  readonly startSeconds: number;
  readonly seconds: number;
  /** the turn (1-based) the span belongs to; session opening counts with the first */
  readonly turn?: number;
}

/** One agent session laid out in time, e.g. Spark on WSE-3 or Codex on GPUs. */
export interface SessionTimeline {
  readonly label: string;
  readonly wallSeconds: number;
  readonly turns: number;
  readonly segments: readonly Segment[];
}

const KIND_NAMES: Readonly<Record<SegmentKind, string>> = {
  model: "model (prefill and decode)",
  tool: "tool calls",
  overhead: "serving overhead (round trips, start-up, handling, queueing, streaming)",
};

/**
 * Chart 5: agent session timelines, one row per session, each span coloured by what the
 * time went to (model, tool, overhead), and under it a row of the session's totals of each.
 * Floating horizontal bars; a row's length is its wall time.
 */
export function sessionTimelineSpec(sessions: readonly SessionTimeline[], origin: string): ChartSpec {
  if (sessions.length === 0) throw new Error("sessionTimelineSpec: no session to draw");
  const { unit, factor } = timeUnit(Math.max(...sessions.map((s) => s.wallSeconds)));
  const kinds: SegmentKind[] = ["model", "tool", "overhead"];
  const sum = (s: SessionTimeline, k: SegmentKind) => s.segments.filter((g) => g.kind === k).reduce((a, g) => a + g.seconds, 0);
  // Under each timeline, its totals laid end to end: a turn's spans of a second or less are a
  // pixel wide at a session's scale, so the split would not show in the timeline alone.
  const totalsLabel = (s: SessionTimeline) => `${s.label}: totals`;
  const labels = sessions.flatMap((s) => [s.label, totalsLabel(s)]);
  const totals = (s: SessionTimeline, k: SegmentKind): Point => {
    const start = kinds.slice(0, kinds.indexOf(k)).reduce((a, x) => a + sum(s, x), 0);
    return { x: [start * factor, (start + sum(s, k)) * factor], y: totalsLabel(s) };
  };
  const series: Series[] = kinds.map((k) => ({
    label: KIND_NAMES[k],
    kind: "bar",
    colour: PART_COLOURS[k],
    data: sessions.flatMap((s) => [
      ...s.segments
        .filter((g) => g.kind === k && g.seconds > 0)
        .map((g): Point => ({ x: [g.startSeconds * factor, (g.startSeconds + g.seconds) * factor], y: s.label })),
      ...(sum(s, k) > 0 ? [totals(s, k)] : []),
    ]),
  }));
  return {
    id: "session-timeline",
    title: "Agent session timelines: where the wall time goes",
    subtitle: sessions.map((s) => `${s.label}: ${num(s.wallSeconds * factor)} ${unit} in ${s.turns} turns`).join("; "),
    x: { title: "wall time", unit, scale: "linear", min: 0 },
    y: { title: "session (turn by turn, then totals)", unit: "", scale: "category", labels },
    horizontal: true,
    series,
    table: {
      columns: ["session", "turns", "wall time", "model", "tool", "overhead"],
      rows: sessions.map((s) => [s.label, String(s.turns), ...[s.wallSeconds, sum(s, "model"), sum(s, "tool"), sum(s, "overhead")].map((v) => `${num(v * factor)} ${unit}`)]),
    },
    source: `Source: ${origin}`,
  };
}

/**
 * Chart 5b: one session turn by turn, a stacked bar per turn: the model (prefill and decode),
 * the tools, and the serving overhead (round trips, start-up, handling, queueing, per-token
 * streaming), which the timeline's spans are too thin to show at a session's scale.
 */
export function sessionTurnsSpec(s: SessionTimeline, origin: string, id = "session-turns"): ChartSpec {
  const turns = Math.max(s.turns, ...s.segments.map((g) => g.turn ?? 0));
  if (turns === 0) throw new Error("sessionTurnsSpec: no turns to draw");
  const kinds: SegmentKind[] = ["model", "tool", "overhead"];
  const per = kinds.map(() => new Array<number>(turns).fill(0));
  for (const g of s.segments) {
    const t = Math.max(1, g.turn ?? 1);
    per[kinds.indexOf(g.kind)]![t - 1]! += g.seconds;
  }
  const totals = per[0]!.map((_, i) => per.reduce((a, k) => a + k[i]!, 0));
  const { unit, factor } = timeUnit(Math.max(...totals));
  const labels = totals.map((_, i) => String(i + 1));
  const overhead = per[2]!.reduce((a, v) => a + v, 0);
  return {
    id,
    title: `Turn by turn: ${s.label}`,
    subtitle: `${s.turns} turns; serving overhead, the top part of each bar: ${num(overhead * factor)} ${unit} in all, ${((100 * overhead) / Math.max(s.wallSeconds, 1e-12)).toFixed(1)}% of the wall time`,
    x: { title: "turn", unit: "", scale: "category", labels, stacked: true },
    y: { title: "time in the turn", unit, scale: "linear", stacked: true, min: 0 },
    series: kinds.map((k, j) => ({ label: KIND_NAMES[k], kind: "bar" as const, colour: PART_COLOURS[k], stack: "t", data: per[j]!.map((v) => v * factor) })),
    table: {
      columns: ["turn", "model", "tool", "serving overhead", "total"],
      rows: labels.map((l, i) => [l, ...[per[0]![i]!, per[1]![i]!, per[2]![i]!, totals[i]!].map((v) => `${num(v * factor)} ${unit}`)]),
    },
    source: `Source: ${origin}`,
  };
}

/** The charts of some sessions: their timelines together, then each one turn by turn. */
export function sessionSpecs(sessions: readonly SessionTimeline[], origin: string): ChartSpec[] {
  return [sessionTimelineSpec(sessions, origin), ...sessions.map((x, i) => sessionTurnsSpec(x, origin, sessions.length === 1 ? "session-turns" : `session-turns-${i + 1}`))];
}
