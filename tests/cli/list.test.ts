import { describe, expect, it } from "vitest";
import { cli } from "../helpers.js";

describe("wafersim list", () => {
  it("lists hardware as a table and as JSON", () => {
    const t = cli(["list", "hardware"]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/cerebras-wse3\s+wafer\s+43.9 GB SRAM\s+21 PB\/s/);
    const j = JSON.parse(cli(["list", "hardware", "--json"]).stdout) as { id: string; memoryBytes: number }[];
    expect(j.find((h) => h.id === "nvidia-h100-sxm")?.memoryBytes).toBe(80e9);
  });

  it("lists models with parameter counts", () => {
    const j = JSON.parse(cli(["list", "models", "--json"]).stdout) as { id: string; totalParams: number }[];
    expect(j.map((m) => m.id)).toEqual(expect.arrayContaining(["llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "llama-3.3-70b", "qwen3-32b", "qwen3-235b-a22b", "gpt-oss-120b", "glm-4.6", "codex-spark-proxy", "gpt-5.3-codex-proxy"]));
    expect(cli(["list", "models"]).stdout).toMatch(/codex-spark-proxy.*\[assumed\]/);
  });

  it("exits 2 with a clear message on a bad argument", () => {
    const r = cli(["list", "gizmos"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gizmos/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

describe("wafersim list: everything a user can name", () => {
  it.each(["hardware", "models", "software", "stacks", "tasks", "scenarios", "metrics"])("list %s: a table that fits 120 columns, and JSON", (what) => {
    const t = cli(["list", what]);
    expect(t.code).toBe(0);
    for (const line of t.stdout.split("\n")) expect(line.length, line).toBeLessThanOrEqual(120);
    const j = JSON.parse(cli(["list", what, "--json"]).stdout) as unknown[];
    expect(j.length).toBeGreaterThan(0);
  });

  it("software: each set's hardware, date, references and fit and leave-one-out errors, as stored in models/params", async () => {
    const { parse } = await import("yaml");
    const { readFileSync, readdirSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { ROOT } = await import("../helpers.js");
    const j = JSON.parse(cli(["list", "software", "--json"]).stdout) as { id: string; hardware: string[]; date: string; references: string[]; mapePct: number | null; looMapePct: number | null }[];
    const dir = join(ROOT, "models/params");
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(j).toHaveLength(files.length);
    for (const f of files) {
      const y = parse(readFileSync(join(dir, f), "utf8")) as { hardware: string[]; software: { id: string }; provenance: { date: string; references?: string[]; mapePct?: number; looMapePct?: number } };
      const row = j.find((r) => r.id === y.software.id)!;
      expect(row, f).toBeDefined();
      expect(row.hardware).toEqual(y.hardware);
      expect(row.date).toBe(String(y.provenance.date));
      expect(row.references).toEqual(y.provenance.references ?? []);
      expect([row.mapePct, row.looMapePct]).toEqual([y.provenance.mapePct ?? null, y.provenance.looMapePct ?? null]);
    }
    const t = cli(["list", "software"]).stdout;
    expect(t).toMatch(/cerebras-2024-10\s+cerebras-wse3\s+yes\s+fitted\s+2026-\d\d-\d\d\s+\d+\s+[\d.]+%\s+[\d.]+%/);
  });

  it("metrics: every sweep and session metric with its unit and meaning", async () => {
    const { METRICS } = await import("../../src/scenario/fast.js");
    const { SESSION_METRICS } = await import("../../src/scenario/session.js");
    const j = JSON.parse(cli(["list", "metrics", "--json"]).stdout) as { name: string; unit: string; meaning: string }[];
    expect(new Set(j.map((m) => m.name))).toEqual(new Set([...METRICS, ...SESSION_METRICS]));
    for (const m of j) expect(m.meaning.length, m.name).toBeGreaterThan(10);
    expect(j.find((m) => m.name === "decode.tokensPerSecondPerUser")!.unit).toBe("tok/s");
    expect(j.find((m) => m.name === "ttftSeconds")!.unit).toBe("s");
    expect(j.find((m) => m.name === "memory.neededBytes")!.unit).toBe("B");
  });

  it("stacks and tasks show their sourced figures; hardware keeps its old JSON fields and adds the software sets", () => {
    const st = JSON.parse(cli(["list", "stacks", "--json"]).stdout) as { id: string; perTokenOverheadSeconds: number }[];
    // models/stacks/http-legacy.yaml: perTokenOverhead 357 us
    expect(st.find((s) => s.id === "http-legacy")!.perTokenOverheadSeconds).toBeWithinRel(357e-6, 1e-12);
    const tasks = JSON.parse(cli(["list", "tasks", "--json"]).stdout) as { id: string; turns: number }[];
    // models/tasks/swe-bench-pro.yaml: 64 turns (nilenso's mean API calls)
    expect(tasks.find((t) => t.id === "swe-bench-pro")!.turns).toBe(64);
    const hw = JSON.parse(cli(["list", "hardware", "--json"]).stdout) as Record<string, unknown>[];
    const wse3 = hw.find((h) => h["id"] === "cerebras-wse3")!;
    expect(Object.keys(wse3)).toEqual(expect.arrayContaining(["id", "name", "kind", "memoryBytes", "memoryKind", "memoryBandwidthBytesPerSecond", "bf16FlopPerSecond", "scaleUpDevices", "scaleOutBandwidthBytesPerSecond", "file", "software"]));
    expect(wse3["defaultSoftware"]).toBe("cerebras-2024-10");
  });

  it("scenarios: every file in scenarios/ with its number of points", () => {
    const j = JSON.parse(cli(["list", "scenarios", "--json"]).stdout) as { id: string; points: number; axes: string[] }[];
    // model-size-1000tps sweeps chips [1, 2, 4] and 80 depths: 3 x 80 points
    expect(j.find((s) => s.id === "model-size-1000tps")).toMatchObject({ points: 240, axes: ["chips", "model.config.num_hidden_layers"] });
  });
});
