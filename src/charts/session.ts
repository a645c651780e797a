import { num, timeUnit } from "./format.js";
import { PART_COLOURS, type ChartSpec, type Point, type Series } from "./spec.js";

export type SegmentKind = "model" | "tool" | "overhead";

/** A span of an agent session's wall time. */
export interface Segment {
  readonly kind: SegmentKind;
  readonly startSeconds: number;
  readonly seconds: number;
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
  overhead: "overhead (roundtrips, session start-up)",
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
