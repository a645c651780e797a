import { describe, expect, it } from "vitest";
import { cli } from "../helpers.js";

describe("wafersim list", () => {
  it("lists hardware as a table and as JSON", () => {
    const t = cli(["list", "hardware"]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/cerebras-wse3\s+wafer\s+44 GB SRAM\s+21 PB\/s/);
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
