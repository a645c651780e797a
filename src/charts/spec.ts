/**
 * A chart as plain data: what to draw, with units, the table of numbers behind it and the
 * source line. Built by pure functions (one file per chart in this folder), turned into a
 * Chart.js configuration by `toChartJs` and drawn by render.ts (PNG/SVG) or html.ts. Nothing
 * here imports canvas or Chart.js at run time.
 */
import type { Warning } from "../engine/types.js";

export type AxisScale = "linear" | "logarithmic" | "category";

export interface Axis {
  /** what the axis shows, e.g. "tokens/s per user" */
  readonly title: string;
  /** unit as printed after values in tooltips, e.g. "tok/s", "ms"; "" for none */
  readonly unit: string;
  readonly scale: AxisScale;
  /** category labels (for `category` axes) */
  readonly labels?: readonly string[];
  readonly stacked?: boolean;
  readonly min?: number;
  readonly max?: number;
}

/** A point; `label` is drawn beside it when the series asks for point labels. */
export interface Point {
  /** a pair is a floating bar's [start, end] (horizontal bars: on x; vertical: on y) */
  readonly x: number | string | readonly [number, number];
  readonly y: number | string | readonly [number, number];
  readonly label?: string;
}

export type SeriesKind = "line" | "scatter" | "bar" | "marker" | "band";

export interface Series {
  readonly label: string;
  readonly kind: SeriesKind;
  readonly colour: string;
  /** bars: one value per category label; others: points */
  readonly data: readonly (number | Point | null)[];
  /** bars in the same stack group sit on each other */
  readonly stack?: string;
  readonly dashed?: boolean;
  readonly pointLabels?: boolean;
  /** false: leave out of the legend (e.g. the second edge of a band) */
  readonly legend?: boolean;
  /** band: fill down to the series with this index (Chart.js `fill`) */
  readonly fillTo?: number;
  /** an error band per data item (bars and points): a whisker from low to high along the value axis */
  readonly errorBars?: readonly ({ readonly low: number; readonly high: number } | null)[];
}

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface ChartSpec {
  /** file-name-safe id, e.g. "batch-tradeoff" */
  readonly id: string;
  readonly title: string;
  /** one line under the title: the workload or what is compared */
  readonly subtitle?: string;
  readonly x: Axis;
  readonly y: Axis;
  /** bars along y (horizontal) instead of x */
  readonly horizontal?: boolean;
  readonly series: readonly Series[];
  /** the numbers behind the chart, formatted with units (shown under it in HTML) */
  readonly table: Table;
  /** which figures and which version of the calibration the chart used */
  readonly source: string;
  /** what a reader should know that the chart only shows (a line that ends early): printed on stderr too */
  readonly warnings?: readonly Warning[];
}

/**
 * Okabe and Ito's colour-blind-safe palette ("Color Universal Design", 2002/2008), in the
 * order used for series: blue, orange, bluish green, vermilion, reddish purple, sky blue,
 * yellow, black.
 */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"] as const;

export function colour(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

/** Fixed colours for the parts of a time breakdown, so every breakdown chart reads alike. */
export const PART_COLOURS = {
  stack: PALETTE[4],
  compute: PALETTE[0],
  memory: PALETTE[1],
  latency: PALETTE[2],
  interconnect: PALETTE[3],
  model: PALETTE[0],
  tool: PALETTE[1],
  overhead: PALETTE[4],
} as const;

/** Chart size the specs are designed for (and tested at). */
export const CHART_WIDTH = 1200;
export const CHART_HEIGHT = 700;
