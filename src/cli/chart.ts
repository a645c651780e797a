import { existsSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import type { Command } from "commander";
import { Option } from "commander";
import { inputError } from "../errors.js";
import { checkOutFolder, writeFilesTogether } from "../io/write.js";
import { collect } from "./set.js";

interface ChartFlags {
  out: string;
  format: "png" | "svg" | "html";
  tolerance?: number;
  metric?: string[];
  target?: string[];
}


function percent(flag: string) {
  return (text: string): number => {
    // decimal only: Number() would also read 0x10, 0b1 and 1e1 with a sign
    const v = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(v) || v <= 0 || v >= 1000) {
      throw inputError({ file: flag, path: "", problem: "not a percentage", got: JSON.stringify(text), expected: "a number of percent such as 25" });
    }
    return v;
  };
}

function metricList(text: string): string[] {
  const list = text.split(",").map((x) => x.trim()).filter((x) => x !== "");
  if (list.length === 0) throw inputError({ file: "--metric", path: "", problem: "no metric given", got: JSON.stringify(text), expected: "a sweep metric such as decode.tokensPerSecondPerUser, or several separated by commas" });
  return list;
}

/** What `chart <target>` draws: a built-in set, the report, a results .json file, or a scenario. */
const TARGET_HELP = "a chart set (codex-spark, calibration, sessions), report (or all: every chart on one page), a results .json file "
  + "(from calibrate, session, sweep --format json, run, predict or compare --json), or a scenario file or the id of one in scenarios/";

type Part = import("../charts/sets.js").ChartPart;

/** Refuses an --out that exists but is not a folder; checked before any chart is drawn. */
export const checkOutDir = (dir: string): void => checkOutFolder(dir);

/** Writes every chart file or none (src/io/write.ts). */
export const writeAll = (dir: string, files: readonly { path: string; bytes: Buffer | string }[]): void => writeFilesTogether(dir, files);

export function registerChart(program: Command, out: (s: string) => void): void {
  program
    .command("chart")
    .description("draw charts (PNG, SVG, or one self-contained HTML page) of a chart set, a scenario, or a results .json file")
    .argument("<target>", TARGET_HELP)
    .option("--out <dir>", "folder to write into", "out/charts")
    .addOption(new Option("--format <format>", "png, svg, or html (one file with every chart)").choices(["png", "svg", "html"]).default("png"))
    .option("--metric <names>", "sweep charts: the metric(s) to draw, comma-separated (default: decode.tokensPerSecondPerUser, and what the swept axis changes)", metricList)
    .option("--tolerance <pct>", "calibration chart: tolerance band half-width in percent (default: the references' own)", percent("--tolerance"))
    .option("--target <metric><op><value>", "sweep charts: draw a target (a solve target or an SLO) as a line, e.g. decode.tokensPerSecondPerUser>=1000 (SI units; repeatable)", collect, [])
    .action(async (target: string, f: ChartFlags) => {
      checkOutDir(f.out);
      const charts = await import("../charts/index.js");
      const v = (await import("../scenario/provenance.js")).packageVersion();
      const { parseTarget } = await import("../scenario/solve.js");
      const targets = (f.target ?? []).map(parseTarget);
      const opts = { version: v, ...(f.metric !== undefined ? { metrics: f.metric } : {}), ...(targets.length > 0 ? { targets } : {}) };
      let name: string;
      let parts: Part[];
      let description: string;
      const set = Object.hasOwn(charts.CHART_SETS, target) ? charts.CHART_SETS[target] : undefined;
      const { resolveScenario } = await import("../scenario/load.js");
      const isScenarioFile = /\.ya?ml$/i.test(target) && existsSync(target);
      const scenarioById = !isScenarioFile && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(target) && existsSync(resolveScenario(target));
      if (set) {
        name = set.id;
        description = set.description;
        parts = [{ id: set.id, title: set.description, description: "", specs: charts.engineSpecs(set, v) }];
      } else if (target === "calibration" || target === "sessions") {
        name = target;
        description = charts.LIVE_SETS[target]!;
        parts = [{ id: target, title: description, description: "", specs: target === "calibration" ? charts.calibrationSetSpecs(v) : charts.sessionsSetSpecs(v) }];
      } else if (target === "report" || target === "all") {
        name = "report";
        description = `every chart: the codex-spark set, calibration, agent sessions and the sweep of scenarios/${charts.REPORT_SCENARIO}.yaml`;
        parts = await charts.reportParts(v);
      } else if (extname(target).toLowerCase() === ".json" && existsSync(target)) {
        const { readText, MAX_RESULTS_BYTES } = await import("../io/read.js");
        const text = readText(target, MAX_RESULTS_BYTES); // harden: a results file may be larger than a description
        let data: unknown;
        try {
          data = JSON.parse(text);
        } catch (err) {
          throw inputError({ file: target, path: "", problem: `broken JSON (${(err as Error).message})` }, err);
        }
        name = basename(target, extname(target));
        description = `charts of ${basename(target)}`;
        const specs = charts.specsFromInputs(charts.readChartInputs(data, target), { ...opts, file: target, ...(f.tolerance !== undefined ? { tolerancePct: f.tolerance } : {}) });
        if (specs.length === 0) throw inputError({ file: target, path: "", problem: "nothing to chart", expected: "predictions, calibration references, sessions or sweep points" });
        parts = [{ id: name, title: description, description: "", specs }];
      } else if (isScenarioFile || scenarioById) {
        const sc = await charts.scenarioCharts(target, opts);
        name = sc.name;
        description = sc.description;
        parts = [{ id: sc.name, title: sc.description, description: "", specs: sc.specs }];
      } else {
        const ext = extname(target).toLowerCase();
        throw inputError({
          file: target, path: "", problem: ext === ".json" || ext === ".yaml" || ext === ".yml" ? "file not found" : "not a chart set, results file or scenario",
          expected: `one of ${[...Object.keys(charts.CHART_SETS), ...Object.keys(charts.LIVE_SETS), "report"].join(", ")}, a results .json file, or a scenario (a .yaml file, or the id of one in scenarios/)`,
        });
      }

      // Render everything before writing anything: a failure leaves no partial output.
      const files: { path: string; bytes: Buffer | string }[] = [];
      if (f.format === "html") {
        const { buildHtml } = await import("../charts/html.js");
        const content = parts.length > 1 ? parts : parts[0]!.specs;
        files.push({ path: join(f.out, `${name}.html`), bytes: buildHtml(content, { title: `wafersim: ${name}`, description: `${description} (wafersim ${v})` }) });
      } else {
        const { renderChart } = await import("../charts/render.js");
        // "calibration-decode" for the calibration set, not "calibration-calibration-decode"
        const stem = (id: string) => (id === name || id.startsWith(`${name}-`) ? id : `${name}-${id}`);
        for (const s of parts.flatMap((p) => p.specs)) files.push({ path: join(f.out, `${stem(s.id)}.${f.format}`), bytes: renderChart(s, f.format) });
      }
      // what a chart shows that a reader must not miss (a line that ends early) goes to stderr as well
      const { reportWarnings } = await import("./predict.js");
      for (const sp of parts.flatMap((p) => p.specs)) reportWarnings(sp.warnings, `chart ${sp.id}`);
      writeAll(f.out, files);
      out(`wrote ${files.length} file${files.length === 1 ? "" : "s"}:\n${files.map((x) => `  ${resolve(x.path)}`).join("\n")}`);
    });
}
