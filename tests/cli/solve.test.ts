import { describe, expect, it } from "vitest";
import { cli } from "../helpers.js";

interface Edge { text: string; value: number | string; metric: number; endsBecause: string; beyond: { text: string; metric: number | null; note: string } | null }
interface Row { fixed: Record<string, unknown>; lowest: Edge | null; highest: Edge | null; best: { text: string; metric: number } | null }
const json = (args: string[]) => {
  const r = cli([...args, "--json"]);
  return { code: r.code, r: JSON.parse(r.stdout) as { rows: Row[]; met: boolean } };
};

describe("wafersim solve: why a range ends", () => {
  it("memory: the deepest Llama-70B-shaped model on 1 CS-3 ends where the next depth does not fit (predict agrees)", () => {
    const { code, r } = json(["solve", "model-size-1000tps", "--vary", "model.config.num_hidden_layers", "--target", "decode.tokensPerSecondPerUser>=1000"]);
    expect(code).toBe(0);
    const one = r.rows.find((row) => row.fixed["chips"] === 1)!;
    expect(one.highest!.endsBecause).toBe("memory");
    const depth = Number(one.highest!.value);
    expect(Number(one.highest!.beyond!.text)).toBe(depth + 1);
    // the same what-ifs through predict: the edge fits one wafer, one layer more does not
    const at = (layers: number) => cli(["predict", "--model", "llama-3.1-70b", "--hardware", "cerebras-wse3", "--chips", "1", "--precision", "bf16", "--prompt-tokens", "8192", "--output-tokens", "1024", "--set", `model.config.num_hidden_layers=${layers}`, "--json"]);
    expect(at(depth).code).toBe(0);
    expect(at(depth + 1).code).toBe(2);
    expect(at(depth + 1).stderr).toMatch(/cannot hold|does not fit|needed/);
  });

  it("target: on 8 x H200 the largest batch that keeps 100 tok/s per user, the next batch below it", () => {
    const { r } = json(["solve", "batch-vs-speed", "--vary", "batch", "--target", "decode.tokensPerSecondPerUser>=100"]);
    const h200 = r.rows.find((row) => row.fixed["hardware"] === "nvidia-h200")!;
    expect(h200.highest!.endsBecause).toBe("target");
    expect(h200.highest!.metric).toBeGreaterThanOrEqual(100);
    expect(h200.highest!.beyond!.metric!).toBeLessThan(100);
    expect(Number(h200.highest!.beyond!.text)).toBe(Number(h200.highest!.value) + 1);
    // wafers: auto chips grow with the batch, so the searched range (1 to 64) ends first
    expect(r.rows.find((row) => row.fixed["hardware"] === "cerebras-wse3")!.highest!.endsBecause).toBe("range");
  });

  it("context window: any key, with its default range; the longest prompt plus the output is the model's window", () => {
    const { code, r } = json(["solve", "codex-spark", "--vary", "promptTokens", "--target", "ttftSeconds<=100"]);
    expect(code).toBe(0);
    const e = r.rows[0]!.highest!;
    expect(e.endsBecause).toBe("context window");
    const models = JSON.parse(cli(["list", "models", "--json"]).stdout) as { id: string; maxContext: number }[];
    // scenarios/codex-spark.yaml: outputTokens 1024
    expect(Number(e.value) + 1024).toBe(models.find((m) => m.id === "codex-spark-proxy")!.maxContext);
  });

  it("a what-if key with --from/--to in units; the edge agrees with predict --set", () => {
    // a target between the speeds at the range's two ends, so an edge lies inside it
    const at = (gb: number) => JSON.parse(cli(["predict", "--model", "llama-3.1-70b", "--hardware", "cerebras-wse3", "--precision", "bf16", "--prompt-tokens", "8192", "--output-tokens", "1024", "--set", `hardware.memory.capacity=${gb} GB`, "--json"]).stdout).decode.tokensPerSecondPerUser as number;
    const target = Math.round((at(20) + at(200)) / 2);
    const { r } = json(["solve", "wafer-baseline", "--vary", "hardware.memory.capacity", "--from", "20GB", "--to", "200GB", "--target", `decode.tokensPerSecondPerUser>=${target}`]);
    const e = r.rows[0]!.highest!;
    expect(e.endsBecause).toBe("target");
    const p = JSON.parse(cli(["predict", "--model", "llama-3.1-70b", "--hardware", "cerebras-wse3", "--precision", "bf16", "--prompt-tokens", "8192", "--output-tokens", "1024", "--set", `hardware.memory.capacity=${e.value} B`, "--json"]).stdout);
    expect(p.decode.tokensPerSecondPerUser).toBeWithinRel(e.metric, 1e-12);
  });

  it("nothing meets the target: the best value reached is printed, and the exit code is 1", () => {
    const t = cli(["solve", "speculative", "--vary", "speculation.acceptance", "--target", "decode.tokensPerSecondPerUser>=100000"]);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/no value meets the target: the best reached is [\d,]+ tok\/s at speculation.acceptance 0.9/);
    const { code, r } = json(["solve", "speculative", "--vary", "speculation.acceptance", "--target", "decode.tokensPerSecondPerUser>=100000"]);
    expect(code).toBe(1);
    expect(r.met).toBe(false);
    // more accepted draft tokens are never slower: the best is the top of the range, as run computes it there
    const run = JSON.parse(cli(["run", "speculative", "--json"]).stdout) as { points: { axes: Record<string, number>; metrics: Record<string, number> }[] };
    const top = run.points.find((p) => p.axes["speculation.acceptance"] === 0.9)!;
    expect(r.rows[0]!.best!.metric).toBeWithinRel(top.metrics["decode.tokensPerSecondPerUser"]!, 1e-12);
  });

  it("--set applies before the search; bad ranges name the flag", () => {
    const base = json(["solve", "speculative", "--vary", "speculation.acceptance", "--target", "decode.tokensPerSecondPerUser>=2500"]).r.rows[0]!.lowest!;
    const faster = json(["solve", "speculative", "--vary", "speculation.acceptance", "--target", "decode.tokensPerSecondPerUser>=2500", "--set", "parameters.hopLatency=x0.5"]).r.rows[0]!.lowest!;
    // a faster fabric needs a lower acceptance for the same speed
    expect(Number(faster.value)).toBeLessThan(Number(base.value));
    const bad = cli(["solve", "wafer-baseline", "--vary", "hardware.memory.capacity", "--from", "20", "--to", "200GB", "--target", "decode.tokensPerSecondPerUser>=1700"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from: a bare number has no unit, got 20/);
  });
});

describe("wafersim solve --maximize / --minimize", () => {
  it("the best draft length per acceptance: predict agrees it beats its neighbours, and it grows with the acceptance", () => {
    const r = cli(["solve", "speculative", "--vary", "speculation.draftTokens", "--maximize", "decode.tokensPerSecondPerUser", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { goal: string; met: boolean; rows: { fixed: Record<string, number>; optimum: { value: number; metric: number } | null; points: { value: number; metric: number }[] }[] };
    expect(out.goal).toBe("maximize");
    expect(out.met).toBe(true);
    const speed = (k: number, a: number) => {
      const p = cli(["predict", "--model", "llama-3.1-70b", "--hardware", "cerebras-wse3", "--prompt-tokens", "8192", "--output-tokens", "1024", "--spec-draft-tokens", String(k), "--spec-acceptance", String(a), "--json"]);
      return (JSON.parse(p.stdout) as { decode: { tokensPerSecondPerUser: number } }).decode.tokensPerSecondPerUser;
    };
    let previous = 0;
    for (const row of out.rows) {
      const a = row.fixed["speculation.acceptance"]!;
      const k = row.optimum!.value;
      expect(row.points).toHaveLength(16);
      expect(row.optimum!.metric).toBe(Math.max(...row.points.map((p) => p.metric)));
      const best = speed(k, a);
      expect(best).toBeCloseTo(row.optimum!.metric, 6);
      if (k > 1) expect(speed(k - 1, a)).toBeLessThanOrEqual(best);
      if (k < 16) expect(speed(k + 1, a)).toBeLessThanOrEqual(best);
      // drafts accepted more often pay for longer drafts
      expect(k).toBeGreaterThanOrEqual(previous);
      previous = k;
    }
    const low = out.rows[0]!.optimum!.value;
    const high = out.rows[out.rows.length - 1]!.optimum!.value;
    expect(high).toBeGreaterThan(low);
  });

  it("--minimize finds the lowest; exactly one of --target, --maximize and --minimize", () => {
    const r = cli(["solve", "speculative", "--vary", "speculation.draftTokens", "--minimize", "decode.timePerOutputTokenSeconds", "--json"]);
    const min = JSON.parse(r.stdout) as { rows: { optimum: { value: number } }[] };
    const max = JSON.parse(cli(["solve", "speculative", "--vary", "speculation.draftTokens", "--maximize", "decode.tokensPerSecondPerUser", "--json"]).stdout) as { rows: { optimum: { value: number } }[] };
    expect(min.rows.map((x) => x.optimum.value)).toEqual(max.rows.map((x) => x.optimum.value));
    const none = cli(["solve", "speculative", "--vary", "speculation.draftTokens"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/exactly one of --target, --maximize and --minimize/);
    const both = cli(["solve", "speculative", "--vary", "speculation.draftTokens", "--maximize", "decode.tokensPerSecondPerUser", "--target", "decode.tokensPerSecondPerUser>=1"]);
    expect(both.code).toBe(2);
  });
});
