import { readFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { M, METRICS } from "../../src/scenario/fast.js";
import { exactText } from "../../src/scenario/output.js";
import { cli } from "../helpers.js";

// Issue 15, "Sweeps at scale": --columns, Parquet read back by an independent reader (DuckDB),
// and the provenance every output records. These run the built CLI (dist/).
const d = mkdtempSync(join(tmpdir(), "wafersim-columns-"));
const scenario = join(d, "grid.yaml");
// Text and number axes; a 1-chip H100 that cannot hold batch 256 at 32k tokens (notes, nulls,
// fits false); 2 x 3 x 3 = 18 points.
writeFileSync(scenario, "model: llama-3.1-8b\nchips: 1\nsweep:\n  hardware: [cerebras-wse3, nvidia-h100-sxm]\n  batch: [1, 16, 256]\n  promptTokens: [1024, 8192, 32768]\n");

type Row = Record<string, string | number | boolean | null>;
const jsonOf = (args: readonly string[]) => {
  const r = cli(["sweep", scenario, "--format", "json", ...args]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { meta: Record<string, unknown>; points: Row[] };
};

describe("numbers are written exactly", () => {
  it("every finite double reads back as itself, in at most 17 significant digits, without trailing zeros", () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
      const t = exactText(v);
      expect(Number(t)).toBe(v === 0 ? 0 : v);
      const mantissa = t.split("e")[0]!;
      // significant digits: without the sign, the point, leading zeros and (for whole numbers) trailing zeros
      expect(mantissa.replace(/[-.]/g, "").replace(/^0+/, "").replace(/0+$/, "").length).toBeLessThanOrEqual(17);
      if (mantissa.includes(".")) expect(mantissa).not.toMatch(/0$/);
    }), { numRuns: 20_000, seed: 15 });
    // whole numbers as they are (the model's parameter count, in the metadata of every file)
    expect(exactText(8030261248)).toBe("8030261248");
  });
});

describe("--columns", () => {
  it("writes the swept keys, the metrics asked for in that order, and note", () => {
    const all = jsonOf([]).points;
    const some = jsonOf(["--columns", "ttftSeconds,decode.tokensPerSecondPerUser"]).points;
    expect(Object.keys(some[0]!)).toEqual(["hardware", "batch", "promptTokens", "ttftSeconds", "decode.tokensPerSecondPerUser", "note"]);
    some.forEach((row, i) => {
      expect(row["ttftSeconds"]).toBe(all[i]!["ttftSeconds"]);
      expect(row["decode.tokensPerSecondPerUser"]).toBe(all[i]!["decode.tokensPerSecondPerUser"]);
      expect(row["note"]).toBe(all[i]!["note"]);
    });
    const csv = cli(["sweep", scenario, "--columns", "decode.bound"]).stdout.split("\n");
    expect(csv[1]).toBe("hardware,batch,promptTokens,decode.bound,note");
  });

  it("a sweep of decode columns only leaves the prefill pass, the roofline and the memory accounting out, and changes no value it writes", async () => {
    const decode = ["hardware.chips", "decode.tokensPerSecondPerUser", "decode.timePerOutputTokenSeconds", "decode.aggregateTokensPerSecond", "decode.bound", "memory.fits"];
    const all = jsonOf([]).points;
    jsonOf(["--columns", decode.join(",")]).points.forEach((row, i) => {
      for (const k of [...decode, "note"]) expect(row[k], `${k} at point ${i}`).toBe(all[i]![k]);
    });
    // the work left out: asked for decode only, the plan's prefill and roofline slots stay NaN
    const { loadScenario } = await import("../../src/scenario/load.js");
    const { makePlan } = await import("../../src/scenario/plan.js");
    const full = await makePlan(loadScenario(scenario));
    const lean = await makePlan(loadScenario(scenario));
    lean.only(["decode.tokensPerSecondPerUser"]);
    full.evaluateInto(0);
    lean.evaluateInto(0);
    expect(lean.out[M.tps]).toBe(full.out[M.tps]);
    expect(full.out[M.prefill]).toBeGreaterThan(0);
    expect(lean.out[M.prefill]).toBeNaN();
    expect(lean.out[M.roofline]).toBeNaN();
    expect(full.out[M.needed]).toBeGreaterThan(0);
    expect(lean.out[M.needed]).toBeNaN();
    expect(lean.out[M.fits]).toBeNaN();
    // a wafer placed without chips asked (no memory accounting then): the same speed at every point
    const auto = join(d, "auto.yaml");
    writeFileSync(auto, "model: llama-3.1-8b\nhardware: cerebras-wse3\nsweep:\n  batch: [1, 64, 512]\n  promptTokens: [1024, 32768]\n");
    const a = await makePlan(loadScenario(auto));
    const b = await makePlan(loadScenario(auto));
    b.only(["decode.tokensPerSecondPerUser"]);
    for (let i = 0; i < a.total; i++) {
      expect(b.evaluateInto(i)).toBe(a.evaluateInto(i));
      expect(b.out[M.tps]).toBe(a.out[M.tps]);
    }
  });

  it("an unknown name is refused with the list of metrics", () => {
    const r = cli(["sweep", scenario, "--columns", "decode.tokensPerSecondPerUser,speed"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--columns: unknown metric "speed", got "decode.tokensPerSecondPerUser,speed", expected metrics separated by commas, from ${METRICS.join(", ")}`);
  });
});

async function readParquet(file: string): Promise<{ rows: Row[]; types: Record<string, string>; kv: Record<string, string> }> {
  const db = await (await DuckDBInstance.create()).connect();
  const q = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  const types = Object.fromEntries((await q(`DESCRIBE SELECT * FROM '${file}'`)).map((r) => [r["column_name"] as string, r["column_type"] as string]));
  const rows = (await q(`SELECT * FROM '${file}'`)).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v]))) as Row[];
  const kv = Object.fromEntries((await q(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${file}')`)).map((r) => [r["k"] as string, r["v"] as string]));
  return { rows, types, kv };
}

describe("--format parquet, read back by DuckDB", () => {
  it("every value equals the JSON output's; types as documented; the metadata is the JSON's", async () => {
    const file = join(d, "grid.parquet");
    expect(cli(["sweep", scenario, "--format", "parquet", "--out", file]).code).toBe(0);
    const { rows, types, kv } = await readParquet(file);
    const json = jsonOf([]);
    expect(rows).toHaveLength(json.points.length);
    expect(Object.keys(types)).toEqual(Object.keys(json.points[0]!));
    expect(types).toMatchObject({ hardware: "VARCHAR", batch: "BIGINT", promptTokens: "BIGINT", "decode.tokensPerSecondPerUser": "DOUBLE", "decode.bound": "VARCHAR", "memory.fits": "BOOLEAN", note: "VARCHAR" });
    let nulls = 0;
    json.points.forEach((want, i) => {
      for (const [k, v] of Object.entries(want)) {
        // JSON's empty note is Parquet's null
        const expected = k === "note" && v === "" ? null : v;
        expect(rows[i]![k], `row ${i} ${k}`).toBe(expected);
        if (v === null) nulls++;
      }
    });
    expect(nulls).toBeGreaterThan(0); // the points that do not fit were compared too
    expect(JSON.parse(kv["wafersim"]!)).toEqual(json.meta);
  });

  it("two workers write the same bytes as one (row groups are fixed ranges of points)", () => {
    const big = join(d, "big.yaml");
    writeFileSync(big, "model: llama-3.1-8b\nhardware: cerebras-wse3\nsweep:\n  batch: {from: 1, to: 300, steps: 300}\n  promptTokens: {from: 1024, to: 32768, steps: 1000, scale: log}\n");
    const one = join(d, "one.parquet");
    const two = join(d, "two.parquet");
    expect(cli(["sweep", big, "--format", "parquet", "--out", one, "--workers", "1"]).code).toBe(0);
    expect(cli(["sweep", big, "--format", "parquet", "--out", two, "--workers", "2"]).code).toBe(0);
    expect(readFileSync(two).equals(readFileSync(one))).toBe(true);
  });

  it("Parquet shards are refused (merge joins text); binary to a terminal is not attempted", () => {
    const r = cli(["sweep", scenario, "--format", "parquet", "--shard", "1/2"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--format: shards are written as text");
  });
});

describe("every output names its model, hardware, parameter sets and scenario hash", () => {
  it("as predict reports them; CSV's comment line and JSON lines' first line hold the same", () => {
    const meta = jsonOf([]).meta;
    expect(meta["models"]).toEqual(["llama-3.1-8b"]);
    expect(meta["hardware"]).toEqual(["cerebras-wse3", "nvidia-h100-sxm"]);
    const sets = ["cerebras-wse3", "nvidia-h100-sxm"].map((hw) => {
      const p = JSON.parse(cli(["predict", "--model", "llama-3.1-8b", "--hardware", hw, "--json"]).stdout);
      return { software: p.software.id, hardware: hw, method: p.software.provenance.method, date: p.software.provenance.date };
    });
    expect(meta["parameterSets"]).toMatchObject(sets);
    expect(meta["points"]).toBe(18);
    const csvMeta = JSON.parse(cli(["sweep", scenario]).stdout.split("\n")[0]!.slice(2));
    const jsonlMeta = JSON.parse(cli(["sweep", scenario, "--format", "jsonl"]).stdout.split("\n")[0]!).meta;
    expect(csvMeta).toEqual(meta);
    expect(jsonlMeta).toEqual(meta);
  });

  it("the scenario hash changes with the scenario's contents, and only then", () => {
    const a = jsonOf([]).meta["scenarioHash"];
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(jsonOf([]).meta["scenarioHash"]).toBe(a);
    const text = readFileSync(scenario, "utf8");
    writeFileSync(scenario, `${text}# a comment changes the file\n`);
    try {
      expect(jsonOf([]).meta["scenarioHash"]).not.toBe(a);
    } finally {
      writeFileSync(scenario, text);
    }
  });

  it("a chart drawn from sweep JSON reads the new shape", () => {
    const points = join(d, "points.json");
    expect(cli(["sweep", scenario, "--format", "json", "--out", points]).code).toBe(0);
    const r = cli(["chart", points, "--format", "svg", "--out", join(d, "charts")]);
    expect(r.code).toBe(0);
  });
});
