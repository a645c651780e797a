import { describe, expect, it } from "vitest";
import { cli, tempFile } from "../helpers.js";

const PREDICT_70B = ["predict", "--model", "llama-3.1-70b", "--hardware", "cerebras-wse3", "--precision", "bf16", "--prompt-tokens", "8192", "--output-tokens", "1024"];

describe("--set key=value: the keys of scenario files on the command line", () => {
  it("predict --set gives what the same key gives in a scenario file (wafer-2x-sram sets hardware.memory.capacity: x2)", () => {
    const file = JSON.parse(cli(["run", "wafer-2x-sram", "--json"]).stdout).result;
    const flag = JSON.parse(cli([...PREDICT_70B, "--set", "hardware.memory.capacity=x2", "--json"]).stdout);
    expect(flag.hardware.chips).toBe(file.hardware.chips);
    expect(flag.decode.tokensPerSecondPerUser).toBe(file.decode.tokensPerSecondPerUser);
    // an absolute value with units: 2 x 44 GB
    const abs = JSON.parse(cli([...PREDICT_70B, "--set", "hardware.memory.capacity=88GB", "--json"]).stdout);
    expect(abs.decode.tokensPerSecondPerUser).toBe(file.decode.tokensPerSecondPerUser);
  });

  it("run --set replaces a setting and a sweep of the same key (wafer-2x-fabric's x0.5 point = wafer-baseline with --set)", () => {
    const sweep = JSON.parse(cli(["run", "wafer-2x-fabric", "--json"]).stdout) as { points: { axes: Record<string, string>; metrics: Record<string, number> }[] };
    const half = sweep.points.find((p) => p.axes["parameters.hopLatency"] === "x0.5")!;
    const one = JSON.parse(cli(["run", "wafer-baseline", "--set", "parameters.hopLatency=x0.5", "--json"]).stdout);
    expect(one.result.decode.tokensPerSecondPerUser).toBe(half.metrics["decode.tokensPerSecondPerUser"]);
    expect(one.inputs.find((i: { key: string }) => i.key === "parameters.hopLatency").from).toBe("--set");
    // a --set of a swept key fixes it: one prediction instead of the sweep
    const fixed = JSON.parse(cli(["run", "wafer-2x-fabric", "--set", "parameters.hopLatency=x0.5", "--json"]).stdout);
    expect(fixed.result.decode.tokensPerSecondPerUser).toBe(half.metrics["decode.tokensPerSecondPerUser"]);
  });

  it("the same messages as a scenario file, against --set", () => {
    const yaml = tempFile("bad.yaml", "extends: wafer-baseline\nhardware.memory.capacity: 88 furlongs\nbatch: 1.5\n");
    const fromFile = cli(["run", yaml]).stderr.split("\n").filter((l) => l.includes(": ")).map((l) => l.replace(/^\s*\S+: /, ""));
    const r = cli([...PREDICT_70B, "--set", "hardware.memory.capacity=88 furlongs", "--set", "batch=1.5"]);
    expect(r.code).toBe(2);
    const fromFlag = r.stderr.split("\n").filter((l) => l.startsWith("  --set: ")).map((l) => l.replace(/^\s*--set: /, ""));
    expect(fromFlag.sort()).toEqual(fromFile.filter((l) => /^(hardware.memory.capacity|batch):/.test(l)).sort());
    expect(r.stdout).toBe("");
  });

  it.each([
    [["--set", "batch"], /--set: not key=value, got "batch"/],
    [["--set", "batch=2", "--set", "batch=3"], /--set: batch: given twice, got "2" and "3"/],
    [["--set", "sweep.batch=2"], /--set: sweep.batch: unknown key/],
    [["--set", "sweep={batch: [1, 2]}"], /--set: sweep: not a value a --set can give/],
    [["--batch", "2", "--set", "batch=3"], /--set: batch: --batch sets batch as well/],
    [["--set", "parameters.hopLatency=x-1"], /--set: parameters.hopLatency: .*relative/],
    [["--set", "parameters.noSuch=1"], /--set: parameters.noSuch: unknown parameter/],
  ])("bad --set %j exits 2 with one line per problem", (args, message) => {
    const r = cli([...PREDICT_70B, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("compare", () => {
  it("without --hardware: every shipped hardware that can hold the model; the rest skipped with a note", () => {
    const hw = (JSON.parse(cli(["list", "hardware", "--json"]).stdout) as { id: string; kind: string; memoryBytes: number }[]);
    // one chip of each: Llama 3.1 70B in bf16 is 141 GB of weights (70.6 B x 2 bytes), more than any wafer's SRAM
    const r = cli(["compare", "--model", "llama-3.1-70b", "--chips", "1"]);
    expect(r.code).toBe(0);
    for (const h of hw) {
      if (h.memoryBytes < 141e9) expect(r.stdout, h.id).toMatch(new RegExp(`skipped ${h.id}: `));
      else expect(r.stdout, h.id).toMatch(new RegExp(`1 x ${h.id}\\s`));
    }
    const all = JSON.parse(cli(["compare", "--model", "llama-3.1-8b", "--json"]).stdout) as { hardware: { id: string } }[];
    expect(all.map((p) => p.hardware.id).sort()).toEqual(hw.map((h) => h.id).sort());
  });

  it("its header states precision, software sets and stack", () => {
    const r = cli(["compare", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3,nvidia-h200", "--stack", "websocket", "--precision", "fp8"]);
    expect(r.stdout).toMatch(/^precision: fp8\n/m);
    expect(r.stdout).toMatch(/^software \(fitted parameters\): cerebras-2024-10 \(fitted [\d-]+\), tensorrt-llm \(fitted [\d-]+\)/m);
    expect(r.stdout).toMatch(/^serving stack: websocket \(its per-token overhead is in the speeds/m);
  });

  it("a hardware named with --hardware that cannot run it is an error, not a skip", () => {
    const r = cli(["compare", "--model", "llama-3.1-70b", "--chips", "1", "--hardware", "cerebras-wse3,nvidia-h200"]);
    expect(r.code).toBe(2);
  });
});

describe("--software and --stack help name their choices, from the data", () => {
  it("lists every software set and stack file", async () => {
    const { readdirSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { ROOT } = await import("../helpers.js");
    const help = cli(["predict", "--help"]).stdout.replace(/\s+/g, " ");
    const sets = JSON.parse(cli(["list", "software", "--json"]).stdout) as { id: string }[];
    for (const s of sets) expect(help).toContain(s.id);
    for (const f of readdirSync(join(ROOT, "models/stacks"))) expect(help).toContain(f.replace(/\.ya?ml$/, ""));
    const session = cli(["session", "--help"]).stdout.replace(/\s+/g, " ");
    expect(session).toMatch(/--stack .*choices: http-legacy, websocket/);
  });
});
