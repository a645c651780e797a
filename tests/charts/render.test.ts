// PNG and SVG output: valid files of the requested size, not blank. canvas (already a
// dependency of the renderer) decodes them back to pixels; its librsvg loader parses the SVG.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createCanvas, loadImage } from "canvas";
import { describe, expect, it } from "vitest";
import { specsFromInputs } from "../../src/charts/index.js";
import { readChartInputs } from "../../src/charts/input.js";
import { renderChart } from "../../src/charts/render.js";
import { CHART_SETS, engineSpecs } from "../../src/charts/sets.js";
import { ROOT } from "../helpers.js";

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(ROOT, "tests/charts/fixtures", name), "utf8"));

const specs = [
  ...engineSpecs(CHART_SETS["codex-spark"]!, "test"),
  ...specsFromInputs(readChartInputs({ calibration: fixture("calibration.json"), sessions: (fixture("sessions.json") as { sessions: unknown }).sessions, sweep: fixture("sweep.json") }, "bundle.json"), { version: "test", file: "bundle.json", metrics: ["decode.tokensPerSecondPerUser", "decode.aggregateTokensPerSecond", "decode.timePerOutputTokenSeconds"] }),
];

/** Variance of pixel luminance: 0 for a blank (single-colour) image. */
async function variance(bytes: Buffer, w: number, h: number): Promise<number> {
  const img = await loadImage(bytes);
  const c = createCanvas(w, h);
  const ctx = c.getContext("2d");
  ctx.drawImage(img, 0, 0, w, h);
  const px = ctx.getImageData(0, 0, w, h).data;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < px.length; i += 4) {
    const l = (px[i]! + px[i + 1]! + px[i + 2]!) / 3;
    sum += l;
    sq += l * l;
  }
  const n = px.length / 4;
  return sq / n - (sum / n) ** 2;
}

describe("render", () => {
  it("covers charts 1 to 6", () => {
    expect(specs.map((s) => s.id)).toEqual([
      "batch-tradeoff", "hardware-speed", "ttft-breakdown", "per-token-breakdown", "calibration-decode", "calibration-prefill", "session-timeline", "session-turns-1", "session-turns-2",
      "sweep-decode-tokensPerSecondPerUser", "sweep-decode-aggregateTokensPerSecond", "sweep-decode-timePerOutputTokenSeconds",
    ]);
  });

  it.each(specs.map((s) => [s.id, s] as const))("%s: PNG is valid, 1200 x 700 and not blank", async (_id, spec) => {
    const png = renderChart(spec, "png");
    // PNG signature, then the IHDR chunk with width and height as big-endian 32-bit numbers
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.subarray(12, 16).toString("latin1")).toBe("IHDR");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 700]);
    // white background with axes, text and data drawn on it gives a variance in the hundreds
    expect(await variance(png, 1200, 700)).toBeGreaterThan(50);
  });

  it("renders another size when asked", () => {
    const png = renderChart(specs[0]!, "png", { width: 800, height: 500 });
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([800, 500]);
  });

  it.each(specs.map((s) => [s.id, s] as const))("%s: SVG parses, is vector, 1200 x 700, and draws", async (_id, spec) => {
    const svg = renderChart(spec, "svg").toString("utf8");
    expect(svg).toMatch(/^<\?xml[^>]*\?>\s*<svg [^>]*viewBox="0 0 1200 700"/);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    // no raster fallback: the background is drawn with ordinary compositing
    expect(svg).not.toContain("<image");
    expect(await variance(Buffer.from(svg), 1200, 700)).toBeGreaterThan(50);
  });
});

describe("SVG: the stated pixel size, text as text", () => {
  it.each(specs.map((s) => [s.id, s] as const))("%s: width and height in pixels, every title, axis title and source line a <text>", async (_id, spec) => {
    const svg = renderChart(spec, "svg").toString("utf8");
    expect(svg).toMatch(/<svg [^>]*width="1200" height="700"/);
    const img = await loadImage(Buffer.from(svg));
    expect([img.width, img.height]).toEqual([1200, 700]);
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"));
    expect(texts).toContain(spec.title);
    const axisTitle = (a: typeof spec.x) => (a.unit === "" ? a.title : `${a.title} (${a.unit})`);
    expect(texts).toContain(axisTitle(spec.x));
    expect(texts).toContain(axisTitle(spec.y));
    // the source line, wrapped, is all there as text
    expect(texts.join(" ").replace(/\s+/g, " ")).toContain(spec.source.replace(/\s+/g, " ").slice(0, 60));
    // no glyph outlines (cairo's <symbol>/<use> text)
    expect(svg).not.toMatch(/<use |<symbol /);
  });
});

describe("axes", () => {
  it("logarithmic ticks at 1, 2 and 5 times powers of ten", async () => {
    const { wafersimLogTicks } = await import("../../src/charts/plugins.js");
    const scale = { min: 40, max: 3000, ticks: [] as { value: number }[] };
    wafersimLogTicks(scale);
    expect(scale.ticks.map((t) => t.value)).toEqual([50, 100, 200, 500, 1000, 2000]);
    const small = { min: 0.02, max: 2, ticks: [] as { value: number }[] };
    wafersimLogTicks(small);
    expect(small.ticks.map((t) => t.value)).toEqual([0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
  });

  it("a logarithmic axis ends on round values around the data, never on a data point", async () => {
    const { toChartJs } = await import("../../src/charts/chartjs.js");
    for (const s of specs) {
      for (const ax of ["x", "y"] as const) {
        const sc = (toChartJs(s).options["scales"] as Record<string, { type: string; min?: number; max?: number }>)[ax]!;
        if (sc.type !== "logarithmic") continue;
        // data series only: reference lines (y = x, a target) and bands run from edge to edge on purpose
        const vals = s.series.filter((se) => se.kind !== "band" && !se.dashed).flatMap((se) => se.data.flatMap((d) => (d === null ? [] : typeof d === "number" ? (ax === (s.horizontal ? "x" : "y") ? [d] : []) : [ax === "x" ? d.x : d.y]))).flat().filter((v): v is number => typeof v === "number" && v > 0);
        for (const v of vals) {
          expect(v, `${s.id} ${ax}`).toBeGreaterThan(sc.min!);
          expect(v, `${s.id} ${ax}`).toBeLessThan(sc.max!);
        }
      }
    }
  });

  it("points at the very end of an axis are drawn whole, not cut in half by the plot area", async () => {
    // two points in opposite corners of the plot against two inside it: the same number of pixels of their colour
    const spec = (pts: [number, number][]): import("../../src/charts/spec.js").ChartSpec => ({
      id: "corners", title: "t", x: { title: "x", unit: "", scale: "linear", min: 0, max: 10 }, y: { title: "y", unit: "", scale: "linear", min: 0, max: 10 },
      series: [{ label: "p", kind: "scatter", colour: "#D55E00", data: pts.map(([x, y]) => ({ x, y })) }], table: { columns: [], rows: [] }, source: "s",
    });
    const count = async (png: Buffer) => {
      const img = await loadImage(png);
      const c = createCanvas(1200, 700);
      const ctx = c.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, 1200, 700).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i]! - 0xd5) < 8 && Math.abs(px[i + 1]! - 0x5e) < 8 && Math.abs(px[i + 2]! - 0x00) < 8) n++;
      return n;
    };
    const corners = await count(renderChart(spec([[0, 0], [10, 10]]), "png"));
    const inside = await count(renderChart(spec([[3, 3], [7, 7]]), "png"));
    expect(inside).toBeGreaterThan(50);
    expect(corners).toBeGreaterThan(0.9 * inside);
  });
});
