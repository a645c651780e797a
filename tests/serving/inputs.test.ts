import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { parseLength, drawLength } from "../../src/serving/lengths.js";
import { Rng } from "../../src/serving/random.js";
import { parseSlo, checkSimulateOptions } from "../../src/serving/run.js";
import { readTrace } from "../../src/serving/trace.js";
import { LogHistogram } from "../../src/serving/stats.js";
import { issuesOf, ROOT, tempFile } from "../helpers.js";

const FIX = join(ROOT, "tests/fixtures/traces");

describe("traces", () => {
  it("reads Azure, BurstGPT and JSONL column names as the public traces spell them, to the same requests", () => {
    const azure = readTrace(join(FIX, "azure-synthetic.csv"));
    const burst = readTrace(join(FIX, "burstgpt-synthetic.csv"));
    const jsonl = readTrace(join(FIX, "synthetic.jsonl"));
    expect(azure).toHaveLength(200);
    expect(burst.map((r) => [r.prompt, r.output])).toEqual(azure.map((r) => [r.prompt, r.output]));
    expect(jsonl.map((r) => [r.prompt, r.output])).toEqual(azure.slice(0, 50).map((r) => [r.prompt, r.output]));
    // the same arrival gaps: the Azure file in 0.1-us timestamps, BurstGPT's in milliseconds
    expect(Math.abs(azure[199]!.t - burst[199]!.t)).toBeLessThan(2e-3);
    expect(azure[0]!.t).toBe(0);
  });

  it("bad rows are named by line and column, all of them", () => {
    const f = tempFile("bad.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.1,100,10\nyesterday,100,10\n2023-11-16 18:15:47.1,-5,1.5\n");
    const issues = issuesOf(() => readTrace(f));
    expect(issues.map((i) => i.path)).toEqual(["line 3: TIMESTAMP", "line 4: ContextTokens", "line 4: GeneratedTokens"]);
    expect(issuesOf(() => readTrace(tempFile("h.csv", "time,in,out\n1,2,3\n")))[0]!.problem).toBe("missing a column");
  });
});

describe("lengths and SLOs", () => {
  it("lognormal draws have the mean and spread asked for", () => {
    const d = parseLength("--prompt-tokens", "lognormal:mean=2000,cv=1.5");
    const rng = new Rng(1, 2);
    let s = 0; let s2 = 0; const n = 200_000;
    for (let i = 0; i < n; i++) { const x = drawLength(d, rng, 1e9); s += x; s2 += x * x; }
    const mean = s / n;
    expect(mean).toBeWithinRel(2000, 0.03);
    expect(Math.sqrt(s2 / n - mean * mean) / mean).toBeWithinRel(1.5, 0.1);
  });

  it.each(["lognormal:mean=2000", "normal:mean=1,cv=1", "0", "lognormal:mean=2000,cv=1.5,cv=2", "1.5"])("refuses %s", (text) => {
    expect(issuesOf(() => parseLength("--prompt-tokens", text))[0]!.file).toBe("--prompt-tokens");
  });

  it("reads an SLO with units", () => {
    expect(parseSlo("ttft=1s,tpot=20ms")).toEqual({ ttftSeconds: 1, tpotSeconds: 0.02 });
    expect(issuesOf(() => parseSlo("ttft=fast"))[0]!.file).toBe("--slo");
  });

  it("bounds work before starting it", () => {
    const base = { model: "m", hardware: "h" };
    expect(issuesOf(() => checkSimulateOptions({ ...base, rate: 1, requests: 20_000_000 }))[0]!.file).toBe("--requests");
    expect(issuesOf(() => checkSimulateOptions({ ...base, rate: 1000, durationSeconds: 1e6 }))[0]!.file).toBe("--duration");
    expect(issuesOf(() => checkSimulateOptions({ ...base }))[0]!.problem).toBe("no traffic given");
    expect(issuesOf(() => checkSimulateOptions({ ...base, users: 5 }))[0]!.problem).toContain("both --users and --task");
  });
});

describe("quantile sketch", () => {
  it("quantiles are within the stated 0.5% of the exact ones", () => {
    const h = new LogHistogram();
    const xs: number[] = [];
    const rng = new Rng(3, 3);
    for (let i = 0; i < 50_000; i++) { const x = rng.exponential(0.1); xs.push(x); h.add(x); }
    xs.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) expect(h.quantile(q)).toBeWithinRel(xs[Math.floor(q * (xs.length - 1))]!, 0.0051);
  });
});
