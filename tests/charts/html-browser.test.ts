// The HTML report in a real browser: Debian's chromium (installed by scripts/install-chromium.sh
// from .ci/run) driven by playwright-core. Checks every chart drew (pixels on its canvas), a
// tooltip answers the mouse, the page asked for nothing over the network and logged no error.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { calibrationSetSpecs } from "../../src/charts/index.js";
import { describe, expect, it } from "vitest";
import { predict } from "../../src/engine/predict.js";
import { cli, ROOT } from "../helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
];

/** Why chromium cannot be had here, or null when the test must run (and fail if it is missing). */
function cannotInstall(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const root = process.getuid?.() === 0;
  let apt = false;
  try {
    execFileSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" });
    apt = true;
  } catch {
    apt = false;
  }
  if (root && apt) return null; // it could have been installed: not having it is a failure
  return `${CHROMIUM} is missing and cannot be installed here (${root ? "" : "not root"}${!root && !apt ? ", " : ""}${apt ? "" : "no apt-get"}); run as root: apt-get install -y chromium`;
}

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, "tests/charts/fixtures", name), "utf8"));
}

function makeReports(): { file: string; charts: number }[] {
  const dir = mkdtempSync(join(tmpdir(), "wafersim-html-"));
  const bundle = join(dir, "bundle.json");
  // predictions come from the engine, not from a stored file
  const predictions = ["cerebras-wse3", "nvidia-h100-sxm"].map((hardware) => predict({ model: "llama-3.1-8b", hardware }));
  writeFileSync(bundle, JSON.stringify({ predictions, calibration: fixture("calibration.json"), sessions: (fixture("sessions.json") as { sessions: unknown }).sessions, sweep: fixture("sweep.json") }));
  const a = cli(["chart", "codex-spark", "--format", "html", "--out", dir]);
  const b = cli(["chart", bundle, "--format", "html", "--out", dir]);
  const c = cli(["chart", "report", "--format", "html", "--out", dir]);
  expect(a.stderr).toBe("");
  // the fixture sweep's gpu-y line ends at batch 16 (batch 64 does not fit): said on stderr, nothing else is
  expect(b.stderr).toMatch(/^(warning: chart sweep-\S+: the line gpu-y, chips 8 ends at batch 16: at 64 the model no longer fits in memory \[line-ends\]\n)+$/);
  expect(c.stderr).toBe("");
  expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
  // codex-spark: charts 1, 2, 3a, 3b; bundle: 2, 3a, 3b from predictions, 4 (decode, prefill), 5 and one 5b per
  // session (2), 6 (per-user and aggregate speed: the fixture sweeps batch); report: codex-spark's 4, calibration's 2,
  // sessions' 3 (timeline, each session turn by turn) and the context-8k-128k sweep's 2 (decode speed, TTFT);
  // calibration draws one chart per metric its references use
  const calibrationCharts = calibrationSetSpecs("test").length;
  return [{ file: join(dir, "codex-spark.html"), charts: 4 }, { file: join(dir, "bundle.html"), charts: 10 }, { file: join(dir, "report.html"), charts: 9 + calibrationCharts }];
}

// Run inside the page (as text: the project's TypeScript has no DOM types).
/** For each canvas: its section id, whether Chart.js has a chart on it, pixel variance, table rows. */
const IN_PAGE_DRAWN = `[...document.querySelectorAll("canvas")].map((c) => {
  const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let sum = 0, sq = 0;
  for (let i = 0; i < px.length; i += 4) { const l = (px[i] + px[i + 1] + px[i + 2]) / 3; sum += l; sq += l * l; }
  const n = px.length / 4, mean = sum / n, section = c.closest("section");
  return { id: section.id, chart: !!Chart.getChart(c), drawn: window.wafersimCharts.includes(section.id),
    variance: sq / n - mean * mean, tableRows: section.querySelectorAll("tbody tr").length };
})`;
/** Page coordinates of the first chart's first drawn element. */
const IN_PAGE_FIRST_ELEMENT = `(() => {
  const c = document.querySelector("canvas"), el = Chart.getChart(c).getDatasetMeta(0).data[0], r = c.getBoundingClientRect();
  return { x: r.left + el.x, y: r.top + el.y };
})()`;
const IN_PAGE_ACTIVE_TOOLTIP = `Chart.getChart(document.querySelector("canvas")).tooltip.getActiveElements().length`;

describe("HTML report in headless Chromium", () => {
  const reason = cannotInstall();

  it("draws every chart with tooltips, no network and no console error", async (ctx) => {
    if (reason !== null) {
      console.warn(`SKIPPED browser test: ${reason}`);
      ctx.skip();
      return;
    }
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing although root and apt-get are available: run scripts/install-chromium.sh (npm test does)`).toBe(true);
    const reports = makeReports();
    const profile = mkdtempSync(join(tmpdir(), "wafersim-chromium-"));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    try {
      for (const report of reports) {
        const page = await context.newPage();
        const errors: string[] = [];
        const requests: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(m.text());
        });
        page.on("pageerror", (e) => errors.push(e.message));
        await page.route("**/*", (route) => {
          const url = route.request().url();
          if (url.startsWith("file:")) return route.continue();
          requests.push(url);
          return route.abort();
        });
        await page.goto(pathToFileURL(report.file).href);
        await page.waitForFunction("Array.isArray(window.wafersimCharts)");
        const drawn = (await page.evaluate(IN_PAGE_DRAWN)) as { id: string; chart: boolean; drawn: boolean; variance: number; tableRows: number }[];
        expect(drawn).toHaveLength(report.charts);
        for (const d of drawn) {
          expect(d, d.id).toMatchObject({ chart: true, drawn: true });
          // a blank or single-colour canvas has variance 0; drawn axes, bars and text give hundreds
          expect(d.variance, d.id).toBeGreaterThan(50);
          expect(d.tableRows, d.id).toBeGreaterThan(0);
        }
        // hover over the first drawn element of the first chart: the tooltip must open
        const hover = (await page.evaluate(IN_PAGE_FIRST_ELEMENT)) as { x: number; y: number };
        await page.mouse.move(hover.x, hover.y);
        const active = (await page.evaluate(IN_PAGE_ACTIVE_TOOLTIP)) as number;
        expect(active).toBeGreaterThan(0);
        expect(errors).toEqual([]);
        expect(requests).toEqual([]);
        if (process.env["WAFERSIM_SCREENSHOT_DIR"]) await page.screenshot({ path: join(process.env["WAFERSIM_SCREENSHOT_DIR"], `${report.file.replace(/^.*\//, "")}.png`), fullPage: true });
        await page.close();
      }
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
