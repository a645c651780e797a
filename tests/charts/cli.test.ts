import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, ROOT, tempFile } from "../helpers.js";

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
    expect(readFileSync(join(out, "sweep-sweep.svg"), "utf8")).toContain("<svg");
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

  it.each([
    [["chart", "no-such-set"], "no-such-set: (file): not a chart set or results file"],
    [["chart", "missing.json"], "missing.json: (file): file not found"],
    [["chart", "codex-spark", "--format", "gif"], "argument 'gif' is invalid"],
    [["chart", "x.json", "--tolerance", "-3"], "--tolerance: (file): not a percentage"],
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
});
