import { describe, expect, it } from "vitest";
import { cli } from "../helpers.js";

/** The header lines of every block of a table: the lines right above a rule of dashes. */
function headers(out: string): string[] {
  const lines = out.split("\n");
  return lines.flatMap((l, i) => (/^-+( +-+)+$/.test(lines[i + 1] ?? "") ? [l] : []));
}

describe("wafersim run: tables say what varies", () => {
  it("a swept model size is a column, not one model's size over the table", () => {
    const r = cli(["run", "model-size-1000tps"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/parameters\n/);
    expect(headers(r.stdout).join(" ")).toMatch(/model size/);
    // 2 layers of Llama 3.1 70B's shape against 160: the column shows different sizes
    expect(new Set([...r.stdout.matchAll(/\s(\d+(?:\.\d+)?) B\s/g)].map((m) => m[1])).size).toBeGreaterThan(10);
    // a fixed model is named once over the table
    expect(cli(["run", "context-8k-128k"]).stdout).toMatch(/^model codex-spark-proxy: 117 B parameters$/m);
  });

  it("no column twice: chips used only when a chips axis has auto", () => {
    const fixed = headers(cli(["run", "model-size-1000tps"]).stdout).join(" ");
    expect(fixed).not.toMatch(/chips used/);
    const auto = headers(cli(["run", "batch-vs-speed"]).stdout).join(" ");
    expect(auto).toMatch(/chips used/);
  });

  it("fits 120 columns, and zero prints as 0", () => {
    for (const sc of ["model-size-1000tps", "session-overheads", "agent-time-vs-speed", "batch-vs-speed"]) {
      const r = cli(["run", sc]);
      for (const l of r.stdout.split("\n")) expect(l.length, `${sc}: ${l}`).toBeLessThanOrEqual(120);
    }
    // websocket pays no per-request session start-up: its share is 0, not 0.0%
    const s = cli(["run", "session-overheads"]).stdout;
    expect(s).toMatch(/\s0\s/);
    expect(s).not.toMatch(/\b0\.0%|\b0 ns\b/);
  });

  it("run --json records what the results rest on", () => {
    const j = JSON.parse(cli(["run", "batch-vs-speed", "--json"]).stdout);
    expect(j.provenance.models).toEqual(["llama-3.1-70b"]);
    expect(j.provenance.hardware).toEqual(["cerebras-wse3", "nvidia-h200"]);
    expect(j.provenance.parameterSets.map((p: { software: string }) => p.software)).toEqual(["cerebras-2024-10", "tensorrt-llm"]);
  });
});
