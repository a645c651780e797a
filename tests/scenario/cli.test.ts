import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../helpers.js";

// These run the built CLI (dist/): `npx tsc -p tsconfig.build.json` first.
const d = mkdtempSync(join(tmpdir(), "wafersim-sweep-"));
const scenario = join(d, "grid.yaml");
writeFileSync(scenario, [
  "model: llama-3.1-8b",
  "hardware: cerebras-wse3",
  "outputTokens: 128",
  "sweep:",
  "  hardware: [cerebras-wse3, nvidia-h100-sxm]",
  "  batch: [1, 2, 4, 8, 16]",
  "  promptTokens: {from: 1024, to: 32768, steps: 37, scale: log}",
  "",
].join("\n"));
// 2 x 5 x 37 = 370 points

describe("wafersim sweep", () => {
  it("writes every point as CSV: a header and one row per point", () => {
    const r = cli(["sweep", scenario]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    // the provenance comment, the header, one row per point
    expect(lines).toHaveLength(2 + 370);
    expect(lines[0]!.startsWith("# {")).toBe(true);
    expect(lines[1]).toBe("hardware,batch,promptTokens,hardware.chips,decode.tokensPerSecondPerUser,decode.timePerOutputTokenSeconds,decode.aggregateTokensPerSecond,decode.rooflineTokensPerSecondPerUser,decode.bound,prefill.seconds,ttftSeconds,requestSeconds,memory.neededBytes,memory.fits,model.totalParams,note");
    expect(lines[2]!.startsWith("cerebras-wse3,1,1024,")).toBe(true);
  });

  it("gives the same figures as `predict` for a point", () => {
    const rows = JSON.parse(cli(["sweep", scenario, "--format", "json"]).stdout).points as Record<string, unknown>[];
    expect(rows).toHaveLength(370);
    const row = rows.find((x) => x["hardware"] === "nvidia-h100-sxm" && x["batch"] === 4 && x["promptTokens"] === 1024)!;
    const p = JSON.parse(cli(["predict", "--model", "llama-3.1-8b", "--hardware", "nvidia-h100-sxm", "--batch", "4", "--prompt-tokens", "1024", "--output-tokens", "128", "--json"]).stdout);
    expect(row["decode.tokensPerSecondPerUser"]).toBe(p.decode.tokensPerSecondPerUser);
    expect(row["ttftSeconds"]).toBe(p.ttftSeconds);
  });

  it("jsonl: one object per line", () => {
    const lines = cli(["sweep", scenario, "--format", "jsonl"]).stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1 + 370);
    expect(JSON.parse(lines[0]!).meta.points).toBe(370);
    expect(JSON.parse(lines[370]!)["promptTokens"]).toBe(32768);
  });

  it.each(["csv", "json", "jsonl"])("shards merged (%s) are byte-identical to one machine's output, and so are workers", (format) => {
    const whole = join(d, `whole.${format}`);
    expect(cli(["sweep", scenario, "--format", format, "--out", whole]).code).toBe(0);
    const parts = [1, 2, 3, 4].map((k) => {
      const f = join(d, `part-${format}-${k}`);
      expect(cli(["sweep", scenario, "--format", format, "--shard", `${k}/4`, "--out", f]).code).toBe(0);
      return f;
    });
    const merged = join(d, `merged.${format}`);
    // in any order
    expect(cli(["merge", parts[2]!, parts[0]!, parts[3]!, parts[1]!, "--out", merged]).code).toBe(0);
    expect(readFileSync(merged, "utf8")).toBe(readFileSync(whole, "utf8"));
    const workers = join(d, `workers.${format}`);
    expect(cli(["sweep", scenario, "--format", format, "--workers", "2", "--out", workers]).code).toBe(0);
    expect(readFileSync(workers, "utf8")).toBe(readFileSync(whole, "utf8"));
  });

  it("merge refuses a missing shard", () => {
    const f = join(d, "only-1");
    cli(["sweep", scenario, "--shard", "1/2", "--out", f]);
    const r = cli(["merge", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shard 2 of 2: missing/);
  });

  it("a failure mid-sweep leaves no output file and no partial file", () => {
    const dd = mkdtempSync(join(tmpdir(), "wafersim-atomic-"));
    const bad = join(dd, "bad.yaml");
    // 5,000 deployments are built lazily; the first fails (hopLatency is a wafer parameter).
    writeFileSync(bad, "model: llama-3.1-8b\nhardware: nvidia-h100-sxm\nsweep:\n  parameters.hopLatency: {from: 1 ns, to: 2 ns, steps: 5000}\n");
    const out = join(dd, "out.csv");
    const r = cli(["sweep", bad, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/parameters.hopLatency: not a parameter of gpu hardware/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dd)).toEqual(["bad.yaml"]);
  });

  it("--out that is a folder, or in a missing folder: exit 2 before any work, nothing left behind", () => {
    const dd = mkdtempSync(join(tmpdir(), "wafersim-outdir-"));
    let r = cli(["sweep", scenario, "--out", dd]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out: is a folder, got ${JSON.stringify(dd)}, expected a file path`);
    expect(r.stderr).not.toContain("internal error");
    expect(readdirSync(dd)).toEqual([]);
    const missing = join(dd, "nope", "out.csv");
    r = cli(["sweep", scenario, "--out", missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out: its folder ${JSON.stringify(join(dd, "nope"))} does not exist (create it first), got ${JSON.stringify(missing)}`);
    expect(readdirSync(dd)).toEqual([]);
    // checked before the scenario is even read: a missing scenario is not reported first
    r = cli(["sweep", join(dd, "no-such.yaml"), "--out", dd]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is a folder");
    r = cli(["merge", join(dd, "no-such-shard"), "--out", dd]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--out: is a folder");
  });

  it("bad --shard is exit 2", () => {
    const r = cli(["sweep", scenario, "--shard", "5/4"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--shard: not a shard K\/N/);
  });
});

describe("wafersim run", () => {
  it("shows where each value came from", () => {
    const r = cli(["run", "wafer-2x-sram"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/hardware\.memory\.capacity\s+x2\s+scenarios\/wafer-2x-sram\.yaml/);
    // 2 wafers x (x2 of the 44 GB in models/hardware/cerebras-wse3.yaml) = 176 GB; 70.6 B bf16 parameters x 2 bytes = 141 GB
    expect(r.stdout).toMatch(/141 GB weights \+ [\d.]+ GB KV of 176 GB usable/);
    expect(r.stdout).toMatch(/model\s+llama-3.1-70b\s+scenarios\/wafer-baseline\.yaml/);
  });

  it("bad scenario: exit 2, file, key path, value, expected; no stack trace", () => {
    const f = join(d, "bad.yaml");
    writeFileSync(f, "model: llama-3.1-8b\nhardware: cerebras-wse3\nhardware.memory.capacity: 88 GB/s\n");
    const r = cli(["run", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}: hardware.memory.capacity: wrong dimension, got "88 GB/s", expected a size in bytes`);
    expect(r.stderr).not.toMatch(/at .*\.js/);
  });

  it("--json carries inputs with their files", () => {
    const j = JSON.parse(cli(["run", "codex-spark", "--json"]).stdout);
    expect(j.inputs.find((i: { key: string }) => i.key === "model").from).toMatch(/scenarios\/codex-spark\.yaml$/);
    expect(j.result.decode.tokensPerSecondPerUser).toBeGreaterThan(0);
  });
});

describe("wafersim solve", () => {
  it("the edge it reports meets the target and the next whole number does not", () => {
    const r = cli(["solve", "model-size-1000tps", "--vary", "model.config.num_hidden_layers", "--target", "decode.tokensPerSecondPerUser>=1000", "--json"]);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.rows).toHaveLength(3);
    for (const row of res.rows) {
      const layers = row.highest.value as number;
      expect(row.highest.metric).toBeGreaterThanOrEqual(1000);
      const f = join(d, `check-${row.fixed.chips}.yaml`);
      writeFileSync(f, `extends: model-size-1000tps\nchips: ${row.fixed.chips}\nsweep:\n  chips: null\n  model.config.num_hidden_layers: [${layers}, ${layers + 1}]\n`);
      const pts = JSON.parse(cli(["sweep", f, "--format", "json"]).stdout).points;
      expect(pts[0]["decode.tokensPerSecondPerUser"]).toBeGreaterThanOrEqual(1000);
      const next = pts[1]["decode.tokensPerSecondPerUser"];
      expect(next === null || next < 1000).toBe(true);
    }
  });

  it("--vary takes a key with a range: a sweep axis, --from/--to, or a default; not a file reference", () => {
    const r = cli(["solve", "codex-spark", "--vary", "model", "--target", "decode.tokensPerSecondPerUser>=1000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--vary: not a key with a range, got "model"/);
  });
});

describe("wafersim schema", () => {
  it("prints a JSON Schema", () => {
    const s = JSON.parse(cli(["schema"]).stdout);
    expect(s.$schema).toMatch(/json-schema.org/);
    expect(s.properties.sweep).toBeDefined();
  });
});

describe("coresPerLayer in a scenario", () => {
  it("sweeps the region a layer occupies with the same figures as `predict --cores-per-layer`", () => {
    const f = join(d, "grid-cores.yaml");
    writeFileSync(f, "model: llama-3.1-8b\nhardware: cerebras-wse2\nsoftware: waferllm\npromptTokens: 4095\noutputTokens: 1\nsweep:\n  coresPerLayer: [176400, 435600]\n");
    const rows = JSON.parse(cli(["sweep", f, "--format", "json"]).stdout).points as Record<string, number>[];
    expect(rows).toHaveLength(2);
    expect(rows[1]!["decode.tokensPerSecondPerUser"]).toBeLessThan(rows[0]!["decode.tokensPerSecondPerUser"]!);
    const p = JSON.parse(cli(["predict", "--model", "llama-3.1-8b", "--hardware", "cerebras-wse2", "--software", "waferllm", "--prompt-tokens", "4095", "--output-tokens", "1", "--cores-per-layer", "435600", "--json"]).stdout);
    expect(rows[1]!["decode.tokensPerSecondPerUser"]).toBe(p.decode.tokensPerSecondPerUser);
    expect(rows[1]!["prefill.seconds"]).toBe(p.prefill.seconds);
  });

  it("on a GPU: exit 2 naming the file, the key, the value and what was expected", () => {
    const f = join(d, "bad-cores.yaml");
    writeFileSync(f, "model: llama-3.1-8b\nhardware: nvidia-h100-sxm\ncoresPerLayer: 100\n");
    const r = cli(["run", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}: coresPerLayer:`);
    expect(r.stderr).toContain("got 100");
    expect(r.stderr).toContain("expected wafer hardware");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("wafersim sweep --set", () => {
  const rows = (stdout: string) => stdout.split("\n").filter((l) => l !== "" && !l.startsWith("#")).slice(1).map((l) => l.split(","));
  const meta = (stdout: string) => JSON.parse(stdout.split("\n")[0]!.slice(2)) as { set?: string[] };

  it("lays the what-ifs over the scenario, as predict --set does, and records them", () => {
    const plain = cli(["sweep", "precision", "--columns", "decode.tokensPerSecondPerUser"]);
    const busy = cli(["sweep", "precision", "--columns", "decode.tokensPerSecondPerUser", "--set", "batch=16"]);
    expect(busy.code).toBe(0);
    expect(meta(plain.stdout).set).toBeUndefined();
    expect(meta(busy.stdout).set).toEqual(["batch=16"]);
    const a = rows(plain.stdout);
    const b = rows(busy.stdout);
    expect(b).toHaveLength(a.length);
    // the chips are the fewest that hold each batch, so speeds move either way: they differ
    expect(b.filter((r, i) => r[2] !== a[i]![2]).length).toBeGreaterThan(0);
    const p = cli(["predict", "--model", "llama-3.1-70b", "--hardware", "nvidia-b200", "--precision", "fp8", "--prompt-tokens", "8192", "--output-tokens", "1024", "--set", "batch=16", "--json"]);
    const row = b.find((r) => r[0] === "nvidia-b200" && r[1] === "fp8")!;
    expect(Number(row[2])).toBeCloseTo((JSON.parse(p.stdout) as { decode: { tokensPerSecondPerUser: number } }).decode.tokensPerSecondPerUser, 6);
  });

  it("a bad --set is bad input, and shards of different what-ifs do not merge", () => {
    const bad = cli(["sweep", "precision", "--set", "parameters.hopLatency=-1ns"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/hopLatency/);
    const d = mkdtempSync(join(tmpdir(), "wafersim-set-"));
    const one = join(d, "1.csv");
    const two = join(d, "2.csv");
    expect(cli(["sweep", "precision", "--shard", "1/2", "--out", one]).code).toBe(0);
    expect(cli(["sweep", "precision", "--shard", "2/2", "--set", "batch=2", "--out", two]).code).toBe(0);
    const m = cli(["merge", one, two, "--out", join(d, "all.csv")]);
    expect(m.code).toBe(2);
    expect(existsSync(join(d, "all.csv"))).toBe(false);
  });
});
