import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, ROOT, tempFile } from "../helpers.js";

describe("wafersim simulate and capacity (CLI)", () => {
  it("--json has the contract fields, the requests CSV one row per request, and the same seed the same bytes", () => {
    const dir = tempFile("x.txt", "");
    const csv = join(dir, "..", "req.csv");
    const args = ["simulate", "--model", "llama-3.1-8b", "--hardware", "nvidia-h200", "--rate", "4", "--requests", "50", "--slo", "ttft=1s,tpot=20ms", "--json", "--seed", "9"];
    const a = cli([...args, "--requests-out", csv]);
    expect(a.code).toBe(0);
    const j = JSON.parse(a.stdout);
    for (const k of ["requests", "durationSeconds", "ttftSeconds", "tpotSeconds", "e2eSeconds", "queueSeconds", "throughput", "goodput", "cost"]) expect(j).toHaveProperty(k);
    expect(Object.keys(j.ttftSeconds)).toEqual(["mean", "p50", "p90", "p99"]);
    expect(Object.keys(j.throughput)).toEqual(["requestsPerSecond", "outputTokensPerSecond", "outputTokensPerSecondPerChip"]);
    expect(Object.keys(j.cost)).toEqual(["dollarsPerMillionOutputTokens", "joulesPerOutputToken"]);
    expect(readFileSync(csv, "utf8").trim().split("\n")).toHaveLength(51);
    expect(cli(args).stdout).toBe(a.stdout);
  });

  it("bad input exits 2 with one line naming the flag, and writes no file", () => {
    const out = join(tempFile("y.txt", ""), "..", "never.csv");
    const r = cli(["simulate", "--model", "llama-3.1-8b", "--hardware", "nvidia-h200", "--rate", "4", "--prompt-tokens", "lognormal:mean=2000", "--requests-out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--prompt-tokens");
    expect(r.stderr).not.toContain("    at ");
    expect(existsSync(out)).toBe(false);
    const t = cli(["simulate", "--model", "llama-3.1-8b", "--hardware", "nvidia-h200", "--trace", join(ROOT, "tests/fixtures/traces/SOURCES.md")]);
    expect(t.code).toBe(2);
  });

  it("capacity --json lists one option per hardware with the contract fields", () => {
    const r = cli(["capacity", "--model", "llama-3.1-8b", "--hardware", "nvidia-h200,nvidia-b200", "--rate", "5", "--requests", "200", "--slo", "ttft=1s,tpot=20ms", "--no-break-even", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.options.map((o: { hardware: string }) => o.hardware)).toEqual(["nvidia-h200", "nvidia-b200"]);
    for (const k of ["hardware", "chips", "layout", "meetsSlo", "ttftSeconds", "tpotSeconds", "cost", "energy"]) expect(j.options[0]).toHaveProperty(k);
  });
});

describe("simulate --set", () => {
  const tpot = (extra: string[]) => {
    const r = cli(["simulate", "--model", "llama-3.1-8b", "--hardware", "nvidia-h100-sxm", "--rate", "2", "--requests", "200", "--json", ...extra]);
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout) as { tpotSeconds: { p50: number } }).tpotSeconds.p50;
  };

  it("what-ifs of the hardware reach the simulated deployment: twice the HBM bandwidth, about half the time per token of a bandwidth-bound decode", () => {
    const base = tpot([]);
    const fast = tpot(["--set", "hardware.memory.bandwidth=x2"]);
    expect(fast).toBeLessThan(base * 0.75);
    expect(fast).toBeGreaterThan(base * 0.4);
  });

  it("keys that are simulate's own flags are refused, naming them", () => {
    const r = cli(["simulate", "--model", "llama-3.1-8b", "--hardware", "nvidia-h100-sxm", "--rate", "2", "--set", "batch=4"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--set: batch: not a what-if simulate takes/);
  });
});
