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
      "batch-tradeoff", "hardware-speed", "ttft-breakdown", "per-token-breakdown", "calibration-decode", "calibration-prefill", "session-timeline",
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
