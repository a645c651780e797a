import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calibrationSetSpecs } from "../../src/charts/index.js";
import { describe, expect, it } from "vitest";
import { writeAll } from "../../src/cli/chart.js";
import { cli, issuesOf, ROOT, tempFile } from "../helpers.js";

const fresh = () => join(mkdtempSync(join(tmpdir(), "wafersim-chart-")), "out");

describe("wafersim chart", () => {
  it("draws the codex-spark set as PNGs and says where", () => {
    const out = fresh();
    const r = cli(["chart", "codex-spark", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(["codex-spark-batch-tradeoff.png", "codex-spark-hardware-speed.png", "codex-spark-per-token-breakdown.png", "codex-spark-ttft-breakdown.png"]);
    for (const f of files) expect(r.stdout).toContain(join(out, f));
  });

  it("writes SVG", () => {
    const out = fresh();
    const r = cli(["chart", join(ROOT, "tests/charts/fixtures/sweep.json"), "--out", out, "--format", "svg"]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, "sweep-decode-tokensPerSecondPerUser.svg"), "utf8")).toContain("<svg");
  });

  it("writes one self-contained HTML file with Chart.js inlined", () => {
    const out = fresh();
    const r = cli(["chart", join(ROOT, "tests/charts/fixtures/calibration.json"), "--out", out, "--format", "html"]);
    expect(r.code).toBe(0);
    const html = readFileSync(join(out, "calibration.html"), "utf8");
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/https?:\/\/[^"'\s]*\.js/);
    expect(html).toContain("<table>");
  });

  it("draws a scenario given by id (scenarios/<id>.yaml) and by file", () => {
    const out = fresh();
    let r = cli(["chart", "context-8k-128k", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["context-8k-128k-sweep-decode-tokensPerSecondPerUser.png", "context-8k-128k-sweep-ttftSeconds.png"]);
    r = cli(["chart", join(ROOT, "scenarios/precision.yaml"), "--out", out, "--metric", "hardware.chips", "--format", "svg"]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).filter((f) => f.startsWith("precision-")).sort()).toEqual([
      "precision-hardware-speed.svg", "precision-per-token-breakdown.svg", "precision-sweep-hardware-chips.svg", "precision-ttft-breakdown.svg",
    ]);
  });

  it("reads the real output of `wafersim sweep --format json` and of `wafersim run --json`", () => {
    const dir = mkdtempSync(join(tmpdir(), "wafersim-sweep-"));
    const points = join(dir, "points.json");
    expect(cli(["sweep", "batch-vs-speed", "--format", "json", "--out", points]).code).toBe(0);
    const out = fresh();
    let r = cli(["chart", points, "--out", out, "--metric", "ttftSeconds"]);
    expect(r.stderr).toBe("");
    expect(readdirSync(out)).toEqual(["points-sweep-ttftSeconds.png"]);
    const run = cli(["run", "agent-time-vs-speed", "--json"]);
    expect(run.code).toBe(0);
    const runFile = tempFile("run.json", run.stdout);
    r = cli(["chart", runFile, "--out", out, "--format", "html"]);
    // lines that end where the model no longer fits say so on stderr, one line each, and nothing else does
    for (const line of r.stderr.trimEnd().split("\n").filter((l) => l !== "")) expect(line).toMatch(/^warning: chart sweep-\S+: the line .* ends at batch \d+: at \d+ the model no longer fits in memory \[line-ends\]$/);
    const html = readFileSync(join(out, "run.html"), "utf8");
    expect(html).toContain('id="sweep-session-wallSeconds"');
  });

  it("draws the live calibration and sessions sets", () => {
    const out = fresh();
    expect(cli(["chart", "calibration", "--out", out]).code).toBe(0);
    expect(cli(["chart", "sessions", "--out", out]).code).toBe(0);
    // the calibration set's charts, one file each
    const files = readdirSync(out).sort();
    expect(files.filter((f) => f.startsWith("calibration-"))).toEqual(calibrationSetSpecs("test").map((c) => `${c.id}.png`).sort());
    expect(files.filter((f) => !f.startsWith("calibration-"))).toEqual(["sessions-session-timeline.png", "sessions-session-turns-1.png", "sessions-session-turns-2.png"]);
  });

  it("writes the report: one page with a heading per part and every chart", () => {
    const out = fresh();
    const r = cli(["chart", "report", "--format", "html", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(join(out, "report.html"));
    const html = readFileSync(join(out, "report.html"), "utf8");
    for (const part of ["codex-spark", "calibration", "sessions", "context-8k-128k"]) expect(html).toContain(`id="part-${part}"`);
    for (const id of ["batch-tradeoff", "calibration-decode", "session-timeline", "sweep-ttftSeconds"]) expect(html).toContain(`<section id="${id}">`);
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it.each([
    [["chart", "no-such-set"], "no-such-set: not a chart set, results file or scenario"],
    [["chart", "missing.yaml"], "missing.yaml: file not found"],
    [["chart", "context-8k-128k", "--metric", "speed"], 'no numeric metric "speed" in scenarios/context-8k-128k.yaml'],
    [["chart", "context-8k-128k", "--metric", " , "], "--metric: no metric given"],
    [["chart", "missing.json"], "missing.json: file not found"],
    [["chart", "codex-spark", "--format", "gif"], "argument 'gif' is invalid"],
    [["chart", "x.json", "--tolerance", "-3"], "--tolerance: not a percentage"],
    [["chart", "x.json", "--tolerance", "0x10"], "--tolerance: not a percentage"],
  ])("bad input %j exits 2 with the problem", (args, message) => {
    const out = fresh();
    const r = cli([...args, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(existsSync(out)).toBe(false);
  });

  it("a broken or wrong results file exits 2, names the field, and writes nothing", () => {
    const out = fresh();
    const broken = tempFile("broken.json", "{ nope");
    let r = cli(["chart", broken, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("broken JSON");
    const wrong = tempFile("wrong.json", JSON.stringify({ references: [{ id: "a", published: 1, predicted: -1 }], mapePct: 1, looMapePct: 2 }));
    r = cli(["chart", wrong, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("references.0.predicted: must be positive, got -1");
    expect(r.stderr).toContain("references.0.errorPct: missing");
    expect(r.stderr).not.toContain("    at ");
    expect(existsSync(out)).toBe(false);
  });

  it("--out that is an existing file: exit 2 naming --out, the path and the problem", () => {
    const file = tempFile("afile", "mine");
    const r = cli(["chart", "codex-spark", "--out", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out: is a file, not a folder, got ${JSON.stringify(file)}, expected a folder`);
    expect(r.stderr).not.toContain("internal error");
    expect(readFileSync(file, "utf8")).toBe("mine");
    const below = cli(["chart", "codex-spark", "--out", join(file, "sub")]);
    expect(below.code).toBe(2);
    expect(below.stderr).toContain("--out: a parent of it is a file, not a folder");
  });

  it("an output name taken by a folder: exit 2, and no chart file written", () => {
    const out = fresh();
    mkdirSync(join(out, "codex-spark-hardware-speed.svg"), { recursive: true });
    writeFileSync(join(out, "codex-spark-ttft-breakdown.svg"), "old");
    const r = cli(["chart", "codex-spark", "--out", out, "--format", "svg"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out: "codex-spark-hardware-speed.svg" is taken by a folder, got ${JSON.stringify(join(out, "codex-spark-hardware-speed.svg"))}`);
    expect(readdirSync(out).sort()).toEqual(["codex-spark-hardware-speed.svg", "codex-spark-ttft-breakdown.svg"]);
    expect(readFileSync(join(out, "codex-spark-ttft-breakdown.svg"), "utf8")).toBe("old");
  });

  it("writeAll: a failed write removes its temporaries and leaves existing files untouched", () => {
    const dir = mkdtempSync(join(tmpdir(), "wafersim-writeall-"));
    writeFileSync(join(dir, "a.svg"), "old");
    // the second file's folder does not exist, so its write fails after the first was written
    const issues = issuesOf(() => writeAll(dir, [{ path: join(dir, "a.svg"), bytes: "new" }, { path: join(dir, "missing", "b.svg"), bytes: "new" }]));
    expect(issues[0]!.file).toBe("--out");
    expect(issues[0]!.problem).toMatch(/^cannot write "b.svg" \(ENOENT\)/);
    expect(readdirSync(dir)).toEqual(["a.svg"]);
    expect(readFileSync(join(dir, "a.svg"), "utf8")).toBe("old");
    // a folder writeAll created itself is removed again on failure
    const made = join(dir, "new", "deeper");
    issuesOf(() => writeAll(made, [{ path: join(made, "missing", "b.svg"), bytes: "x" }]));
    expect(readdirSync(dir)).toEqual(["a.svg"]);
    // and a good call replaces every file
    writeAll(dir, [{ path: join(dir, "a.svg"), bytes: "new" }, { path: join(dir, "b.svg"), bytes: "new" }]);
    expect(readdirSync(dir).sort()).toEqual(["a.svg", "b.svg"]);
    expect(readFileSync(join(dir, "a.svg"), "utf8")).toBe("new");
  });
});
