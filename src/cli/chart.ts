import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import type { Command } from "commander";
import { Option } from "commander";
import { inputError } from "../errors.js";

interface ChartFlags {
  out: string;
  format: "png" | "svg" | "html";
  tolerance?: number;
}

function version(): string {
  // dist/cli/chart.js and src/cli/chart.ts both sit two folders below package.json
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

function percent(flag: string) {
  return (text: string): number => {
    const v = Number(text);
    if (text.trim() === "" || !Number.isFinite(v) || v <= 0 || v >= 1000) {
      throw inputError({ file: flag, path: "", problem: "not a percentage", got: JSON.stringify(text), expected: "a number of percent such as 25" });
    }
    return v;
  };
}

export function registerChart(program: Command, out: (s: string) => void): void {
  program
    .command("chart")
    .description("draw charts (PNG, SVG, or one self-contained HTML report) of a chart set or a results .json file")
    .argument("<target>", "a chart set (codex-spark) or a results .json file (from calibrate, session, sweep, predict or compare --json)")
    .option("--out <dir>", "folder to write into", "out/charts")
    .addOption(new Option("--format <format>", "png, svg, or html (one file with every chart)").choices(["png", "svg", "html"]).default("png"))
    .option("--tolerance <pct>", "calibration chart: tolerance band half-width in percent (default: the references' own)", percent("--tolerance"))
    .action(async (target: string, f: ChartFlags) => {
      const charts = await import("../charts/index.js");
      const v = version();
      let name: string;
      let specs: import("../charts/spec.js").ChartSpec[];
      let description: string;
      const set = Object.hasOwn(charts.CHART_SETS, target) ? charts.CHART_SETS[target] : undefined;
      if (set) {
        name = set.id;
        description = set.description;
        specs = charts.engineSpecs(set, v);
      } else if (extname(target).toLowerCase() === ".json" && existsSync(target)) {
        const { readText } = await import("../io/read.js");
        const text = readText(target);
        let data: unknown;
        try {
          data = JSON.parse(text);
        } catch (err) {
          throw inputError({ file: target, path: "", problem: `broken JSON (${(err as Error).message})` }, err);
        }
        name = basename(target, extname(target));
        description = `charts of ${basename(target)}`;
        specs = charts.specsFromInputs(charts.readChartInputs(data, target), { version: v, file: target, ...(f.tolerance !== undefined ? { tolerancePct: f.tolerance } : {}) });
        if (specs.length === 0) throw inputError({ file: target, path: "", problem: "nothing to chart", expected: "predictions, calibration references, sessions or sweep points" });
      } else {
        throw inputError({
          file: target, path: "", problem: extname(target).toLowerCase() === ".json" ? "file not found" : "not a chart set or results file",
          expected: `one of ${Object.keys(charts.CHART_SETS).join(", ")}, or a results .json file`,
        });
      }

      // Render everything before writing anything: a failure leaves no partial output.
      const files: { path: string; bytes: Buffer | string }[] = [];
      if (f.format === "html") {
        const { buildHtml } = await import("../charts/html.js");
        files.push({ path: join(f.out, `${name}.html`), bytes: buildHtml(specs, { title: `wafersim: ${name}`, description: `${description} (wafersim ${v})` }) });
      } else {
        const { renderChart } = await import("../charts/render.js");
        for (const s of specs) files.push({ path: join(f.out, `${name}-${s.id}.${f.format}`), bytes: renderChart(s, f.format) });
      }
      mkdirSync(f.out, { recursive: true });
      for (const file of files) writeFileSync(file.path, file.bytes);
      out(`wrote ${files.length} file${files.length === 1 ? "" : "s"}:\n${files.map((x) => `  ${resolve(x.path)}`).join("\n")}`);
    });
}
