import { describe, expect, it } from "vitest";
import { cli } from "../helpers.js";

describe("wafersim predict", () => {
  it("prints a table with units, the bound and the breakdown", () => {
    const r = cli(["predict", "--model", "llama-3.1-8b", "--hardware", "cerebras-wse3"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/decode speed per user\s+[\d,]+ tok\/s/);
    expect(r.stdout).toMatch(/time to first token\s+[\d.]+ (ms|us|s)/);
    expect(r.stdout).toMatch(/decode bound\s+latency/);
    expect(r.stdout).toMatch(/where one output token's time goes/);
  });

  it("--json keeps the contract's field names", () => {
    const r = cli(["predict", "--model", "llama-3.1-70b", "--hardware", "nvidia-h200", "--chips", "8", "--precision", "fp8", "--batch", "4", "--prompt-tokens", "2000", "--output-tokens", "100", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const path of ["model.id", "model.totalParams", "model.activeParams", "hardware.id", "hardware.chips", "precision", "decode.tokensPerSecondPerUser", "decode.timePerOutputTokenSeconds", "decode.aggregateTokensPerSecond", "decode.bound", "prefill.seconds", "ttftSeconds", "memory.weightBytes", "memory.kvCacheBytes", "memory.capacityBytes", "memory.fits", "breakdown"]) {
      expect(path.split(".").reduce((o: Record<string, unknown>, k) => o[k] as Record<string, unknown>, j), path).toBeDefined();
    }
    expect(j.hardware.chips).toBe(8);
    expect(j.precision).toBe("fp8");
    expect(j.workload).toMatchObject({ batch: 4, promptTokens: 2000, outputTokens: 100 });
    expect(j.decode.aggregateTokensPerSecond).toBeWithinRel(4 * j.decode.tokensPerSecondPerUser, 1e-9);
  });

  it("--price and --power set the cost line from the user's figures", () => {
    const j = JSON.parse(cli(["predict", "--model", "llama-3.1-8b", "--hardware", "nvidia-a100-80gb", "--price", "dollarsPerChipHour=4", "--power", "chipWatts=400,hostWatts=100,pue=1.25", "--json"]).stdout);
    const tps = j.decode.aggregateTokensPerSecond as number;
    // $4 per chip-hour over the tokens of one hour; 500 W x 1.25 per token/s
    expect(j.cost.dollarsPerMillionOutputTokens).toBeWithinRel(4 / (tps * 3600) * 1e6, 1e-9);
    expect(j.cost.joulesPerOutputToken).toBeWithinRel(500 * 1.25 / tps, 1e-9);
    const bad = cli(["predict", "--model", "llama-3.1-8b", "--hardware", "nvidia-a100-80gb", "--price", "dollarsPerChipHour=-4"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--price: dollarsPerChipHour must be above zero/);
    expect(bad.stdout).toBe("");
  });

  it("--stack-speculation speculates as the software set declares: its draft, the best length, its fitted acceptance", async () => {
    const { parameterSetFor } = await import("../../src/engine/parameters.js");
    const { loadHardware } = await import("../../src/hardware/load.js");
    const set = parameterSetFor(loadHardware("cerebras-wse3"));
    const j = JSON.parse(cli(["predict", "--model", "llama-3.1-70b", "--hardware", "cerebras-wse3", "--stack-speculation", "--json"]).stdout);
    expect(j.speculation.acceptance).toBe(set.values.speculationAcceptance!.value);
    expect(j.speculation.draft).toBe(set.speculation!.draft);
    const k = j.speculation.draftTokens as number;
    expect(j.speculation.tokensPerStep).toBeWithinRel((1 - j.speculation.acceptance ** (k + 1)) / (1 - j.speculation.acceptance), 1e-9);
    // "best": no other length at that acceptance decodes faster
    for (const other of [k - 1, k + 1].filter((x) => x >= 1)) {
      const o = JSON.parse(cli(["predict", "--model", "llama-3.1-70b", "--hardware", "cerebras-wse3", "--spec-draft-tokens", String(other), "--spec-acceptance", String(j.speculation.acceptance), "--spec-draft-model", set.speculation!.draft, "--json"]).stdout);
      expect(o.decode.tokensPerSecondPerUser).toBeLessThanOrEqual(j.decode.tokensPerSecondPerUser * (1 + 1e-9));
    }
    const none = cli(["predict", "--model", "llama-3.1-70b", "--hardware", "nvidia-h100-sxm", "--chips", "8", "--stack-speculation"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--stack-speculation: the software set tensorrt-llm declares no speculative decoding/);
    const both = cli(["predict", "--model", "llama-3.1-70b", "--hardware", "cerebras-wse3", "--stack-speculation", "--spec-draft-tokens", "3", "--spec-acceptance", "0.5"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--stack-speculation: cannot be combined with --spec-draft-tokens/);
  });

  it("speculative decoding flags", () => {
    const j = JSON.parse(cli(["predict", "--model", "llama-3.1-70b", "--hardware", "nvidia-h200", "--spec-draft-tokens", "4", "--spec-acceptance", "0.7", "--json"]).stdout);
    expect(j.speculation.tokensPerStep).toBeWithinRel((1 - 0.7 ** 5) / 0.3, 1e-9);
    const half = cli(["predict", "--model", "llama-3.1-70b", "--hardware", "nvidia-h200", "--spec-draft-tokens", "4"]);
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/needs both --spec-draft-tokens and --spec-acceptance/);
  });

  it.each([
    [["--batch", "1.5"], /--batch: .*not a whole number.*got "1.5"/],
    [["--batch", "-2"], /--batch/],
    [["--spec-draft-tokens", "3", "--spec-acceptance", "1.2"], /--spec-acceptance: .*got "1.2"/],
    [["--precision", "fp3"], /fp3/],
    [["--chips", "2", "--hardware", "cerebras-wse3", "--model", "llama-3.1-70b"], /cannot hold the model \(141 GB weights.*expected at least 4 chips/],
    [["--hardware", "tpu-v9"], /unknown hardware id, got "tpu-v9", expected one of/],
    [["--model", "no/such/file.yaml"], /no\/such\/file.yaml: file not found/],
  ])("bad input %j exits 2 with a clear message and no stack", (args, message) => {
    const base = ["predict", "--model", "llama-3.1-8b", "--hardware", "nvidia-h100-sxm"];
    const r = cli([...base, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });

  it("compare puts hardware side by side", () => {
    const r = cli(["compare", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3,nvidia-h100-sxm", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((p: { hardware: { id: string } }) => p.hardware.id)).toEqual(["cerebras-wse3", "nvidia-h100-sxm"]);
  });
});

describe("library", () => {
  it("is importable by its package name, typed, with predict", async () => {
    const { spawnSync } = await import("node:child_process");
    const { ROOT } = await import("../helpers.js");
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", "import { predict } from 'wafersim'; const p = predict({ model: 'llama-3.1-8b', hardware: 'nvidia-h100-sxm' }); console.log(p.decode.tokensPerSecondPerUser > 0)"], { cwd: ROOT, encoding: "utf8" });
    expect(r.stdout.trim()).toBe("true");
  });
});

describe("predict --json precision", () => {
  it("is the resolved weight format, with where it came from", () => {
    // gpt-oss-120b: mxfp4 experts hold most weight bytes, attention stays bf16
    const native = JSON.parse(cli(["predict", "--model", "gpt-oss-120b", "--hardware", "nvidia-h100-sxm", "--json"]).stdout);
    expect([native.precision, native.precisionSource]).toEqual(["fp4", "native"]);
    const asked = JSON.parse(cli(["predict", "--model", "llama-3.1-8b", "--hardware", "nvidia-h100-sxm", "--precision", "fp8", "--json"]).stdout);
    expect([asked.precision, asked.precisionSource]).toEqual(["fp8", "asked"]);
  });
});
