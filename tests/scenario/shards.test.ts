import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { MAX_SHARDS, shardFromEnv } from "../../src/scenario/sweep.js";
import { cli, issuesOf, ROOT } from "../helpers.js";

// Issue 13, "Shards and merge checked whole", and issue 15's shards for batch engines. These
// run the built CLI (dist/).
const d = mkdtempSync(join(tmpdir(), "wafersim-shards-"));
const scenario = join(d, "grid.yaml");
writeFileSync(scenario, "model: llama-3.1-8b\nhardware: cerebras-wse3\nsweep:\n  hardware: [cerebras-wse3, nvidia-h100-sxm]\n  batch: [1, 2, 4, 8, 16]\n  promptTokens: {from: 1024, to: 32768, steps: 37, scale: log}\n");
// 2 x 5 x 37 = 370 points; shard k of 4 holds points floor(370 (k-1) / 4) to floor(370 k / 4)

function shards(format: string, n = 4): string[] {
  return Array.from({ length: n }, (_, i) => {
    const f = join(d, `${format}-${i + 1}of${n}`);
    if (!existsSync(f)) expect(cli(["sweep", scenario, "--format", format, "--shard", `${i + 1}/${n}`, "--out", f]).code).toBe(0);
    return f;
  });
}

function whole(format: string): string {
  const f = join(d, `whole.${format}`);
  if (!existsSync(f)) expect(cli(["sweep", scenario, "--format", format, "--out", f]).code).toBe(0);
  return readFileSync(f, "utf8");
}

/** A copy of a shard file to damage. */
function copy(from: string, name: string, edit: (text: string) => string = (t) => t): string {
  const f = join(d, name);
  writeFileSync(f, edit(readFileSync(from, "utf8")));
  return f;
}

let failures = 0;
function mergeFails(files: readonly string[]): string {
  const out = join(d, `merged-bad-${++failures}.csv`);
  const r = cli(["merge", ...files, "--out", out]);
  expect(r.code).toBe(2);
  expect(existsSync(out)).toBe(false);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return r.stderr;
}

describe("merge checks every shard whole before it writes anything", () => {
  it.each(["csv", "json", "jsonl"])("a %s shard cut off mid-row is refused (no output file)", (format) => {
    const [p1, p2, p3, p4] = shards(format);
    const cut = copy(p2!, `cut.${format}`);
    truncateSync(cut, Math.floor(readFileSync(p2!).length / 2));
    expect(mergeFails([p1!, cut, p3!, p4!])).toContain(`${cut}: cut off: its last line is not the shard's end line`);
  });

  it("two shards glued into one file (duplicated rows) are refused", () => {
    const [p1, p2, p3, p4] = shards("csv");
    const glued = copy(p2!, "glued.csv", (t) => t + readFileSync(p3!, "utf8"));
    expect(mergeFails([p1!, glued, p3!, p4!])).toContain(`${glued}: its rows are not the length its end line gives`);
  });

  it("a body whose rows do not match the header's start and end is refused, even with a consistent end line", () => {
    const [p1, p2, p3, p4] = shards("csv");
    // shard 2's header over the rows of shards 2 and 3, with an end line that agrees with those bytes
    const text = (f: string) => readFileSync(f, "utf8");
    const rows = (f: string) => text(f).split("\n").slice(1, -2).map((l) => `${l}\n`).join("");
    const header = text(p2!).split("\n")[0]!;
    const body = rows(p2!) + rows(p3!);
    const forged = join(d, "forged.csv");
    const sha = createHash("sha256").update(body).digest("hex");
    writeFileSync(forged, `${header}\n${body}#wafersim-shard-end ${JSON.stringify({ rows: 92, bytes: Buffer.byteLength(body), sha256: sha })}\n`);
    // shard 2 of 4 of 370 points: floor(370 / 4) = 92 to floor(740 / 4) = 185, 93 rows; shards 2 and 3 hold 93 + 92 = 185
    expect(mergeFails([p1!, forged, p3!, p4!])).toContain(`${forged}: holds a different number of rows than its header's points, got 185 rows, expected 93 (points 92 to 185 of shard 2/4)`);
  });

  it("a row changed after the sweep fails the checksum", () => {
    const [p1, p2, p3, p4] = shards("csv");
    const changed = copy(p3!, "changed.csv", (t) => t.replace(/,true,/, ",TRUE,"));
    expect(readFileSync(changed, "utf8")).not.toBe(readFileSync(p3!, "utf8"));
    expect(mergeFails([p1!, p2!, changed, p4!])).toContain(`${changed}: its rows do not match the checksum of its end line`);
  });

  it.each(["csv", "json"])("a %s shard with CRLF line endings is refused", (format) => {
    const [p1, p2, p3, p4] = shards(format);
    const crlf = copy(p4!, `crlf.${format}`, (t) => t.replace(/\n/g, "\r\n"));
    expect(mergeFails([p1!, p2!, p3!, crlf])).toContain(`${crlf}: has Windows (CRLF) line endings`);
  });

  it("every missing or broken input is named at once, and the missing shards together", () => {
    const [p1] = shards("csv");
    const gone1 = join(d, "no-such-1.csv");
    const gone2 = join(d, "no-such-2.csv");
    const notShard = copy(p1!, "plain.csv", (t) => t.split("\n").slice(1).join("\n"));
    const err = mergeFails([gone1, p1!, gone2, notShard]);
    expect(err).toContain(`${gone1}: file not found`);
    expect(err).toContain(`${gone2}: file not found`);
    expect(err).toContain(`${notShard}: not a shard file`);
    expect(err).toContain("merge: shards 2-4 of 4: missing, expected all 4 shards");
  });

  it(`a header claiming 1e8 shards is refused by its limit (${MAX_SHARDS})`, () => {
    const [p1] = shards("csv");
    const big = copy(p1!, "n1e8.csv", (t) => t.replace(/"n":4,/, '"n":100000000,'));
    expect(mergeFails([big])).toContain(`${big}: header.n: too many shards, got 100,000,000, expected at most 100,000 shards`);
    const r = cli(["sweep", scenario, "--shard", "1/100000000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--shard: too many shards");
  });

  it.each(["csv", "json", "jsonl"])("shards merged (%s) are still byte-identical to one machine's output", (format) => {
    const parts = shards(format, 3);
    const out = join(d, `merged3.${format}`);
    expect(cli(["merge", parts[2]!, parts[0]!, parts[1]!, "--out", out]).code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(whole(format));
  });
});

describe("--shard auto", () => {
  const slurm = (id: number, extra: Record<string, string> = {}) => ({ SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_COUNT: "4", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "4", ...extra });

  it("Slurm arrays 1-4, 0-3 and 0-30:10 all give shards 1 to 4", () => {
    expect([1, 2, 3, 4].map((id) => shardFromEnv(slurm(id)))).toEqual([1, 2, 3, 4].map((k) => ({ k, n: 4 })));
    expect(shardFromEnv(slurm(0, { SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "3" }))).toEqual({ k: 1, n: 4 });
    expect(shardFromEnv(slurm(20, { SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "30", SLURM_ARRAY_TASK_STEP: "10" }))).toEqual({ k: 3, n: 4 });
  });

  it("a Kubernetes Indexed Job: index 0 is shard 1, the count from --shard-count or WAFERSIM_SHARD_COUNT", () => {
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: "0" }, 8)).toEqual({ k: 1, n: 8 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: "7", WAFERSIM_SHARD_COUNT: "8" })).toEqual({ k: 8, n: 8 });
  });

  it("missing, malformed and inconsistent variables are each named", () => {
    expect(issuesOf(() => shardFromEnv({}))[0]!.problem).toBe("no batch-system variables found");
    expect(issuesOf(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: "2" })).map((i) => `${i.path}: ${i.problem}`)).toEqual(["SLURM_ARRAY_TASK_COUNT: not set", "SLURM_ARRAY_TASK_MIN: not set"]);
    expect(issuesOf(() => shardFromEnv(slurm(2, { SLURM_ARRAY_TASK_COUNT: "four" })))[0]).toMatchObject({ path: "SLURM_ARRAY_TASK_COUNT", problem: "not a whole number", got: '"four"' });
    // --array=1,3,8: three tasks whose ids are not 1..3
    expect(issuesOf(() => shardFromEnv(slurm(3, { SLURM_ARRAY_TASK_COUNT: "3", SLURM_ARRAY_TASK_MAX: "8" })))[0]!.path).toBe("SLURM_ARRAY_TASK_MAX");
    expect(issuesOf(() => shardFromEnv(slurm(9)))[0]!.problem).toBe("not a task of a contiguous job array");
    expect(issuesOf(() => shardFromEnv(slurm(2), 5))[0]).toMatchObject({ file: "--shard-count", problem: "differs from the job array's size" });
    expect(issuesOf(() => shardFromEnv({ ...slurm(1), JOB_COMPLETION_INDEX: "0" }))[0]!.problem).toBe("both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set");
    expect(issuesOf(() => shardFromEnv({ JOB_COMPLETION_INDEX: "3" }))[0]!.problem).toBe("JOB_COMPLETION_INDEX is set but not the number of shards");
    expect(issuesOf(() => shardFromEnv({ JOB_COMPLETION_INDEX: "4" }, 4))[0]).toMatchObject({ path: "JOB_COMPLETION_INDEX", got: "4 of 4 shards" });
    expect(issuesOf(() => shardFromEnv({ JOB_COMPLETION_INDEX: "0", WAFERSIM_SHARD_COUNT: "3" }, 4))[0]!.problem).toBe("differs from WAFERSIM_SHARD_COUNT");
  });

  it("from the command line: exit 2 with every problem, and --shard-count only with auto", () => {
    const r = cli(["sweep", scenario, "--shard", "2/4", "--shard-count", "4"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--shard-count: applies to --shard auto only");
  });
});

/**
 * A directory holding an `npx` that runs this checkout's CLI for `npx wafersim ...`: the
 * examples' commands then run exactly as written, as they would in a repository set up with
 * `npm run setup`.
 */
function npxShim(): string {
  const bin = mkdtempSync(join(tmpdir(), "wafersim-npx-"));
  const npx = join(bin, "npx");
  writeFileSync(npx, `#!/bin/sh\nif [ "$1" = wafersim ]; then shift; exec "${process.execPath}" "${join(ROOT, "bin/wafersim.js")}" "$@"; fi\necho "npx shim: only npx wafersim" >&2; exit 127\n`);
  chmodSync(npx, 0o755);
  return bin;
}

describe("the shipped batch-system examples shard a sweep and merge it, run locally as separate processes", () => {
  it("the README shows them as shipped", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain(`\`\`\`sh\n${readFileSync(join(ROOT, "examples/slurm-sweep.sh"), "utf8")}\`\`\``);
    expect(readme).toContain(`\`\`\`yaml\n${readFileSync(join(ROOT, "examples/k8s-sweep.yaml"), "utf8")}\`\`\``);
  });

  it("examples/slurm-sweep.sh: each array task as Slurm starts it, then the merge job", () => {
    const work = mkdtempSync(join(tmpdir(), "wafersim-slurm-"));
    const script = readFileSync(join(ROOT, "examples/slurm-sweep.sh"), "utf8");
    const array = /^#SBATCH --array=(\d+)-(\d+)$/m.exec(script)!;
    const [min, max] = [Number(array[1]), Number(array[2])];
    const env = { ...process.env, PATH: `${npxShim()}:${process.env["PATH"]}`, SCENARIO: scenario, WAFERSIM_DEBUG: "" };
    for (let id = min; id <= max; id++) {
      const r = spawnSync("bash", [join(ROOT, "examples/slurm-sweep.sh")], {
        cwd: work, encoding: "utf8",
        env: { ...env, SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: String(min), SLURM_ARRAY_TASK_MAX: String(max), SLURM_ARRAY_TASK_COUNT: String(max - min + 1), SLURM_ARRAY_TASK_STEP: "1" },
      });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    }
    expect(readdirSync(join(work, "out/sweep/parts")).length).toBe(max - min + 1);
    const m = spawnSync("bash", [join(ROOT, "examples/slurm-sweep.sh"), "merge"], { cwd: work, encoding: "utf8", env: { ...env, SLURM_ARRAY_TASK_ID: "1" } });
    expect(m.stderr).toBe("");
    expect(m.status).toBe(0);
    expect(readFileSync(join(work, "out/sweep/all.csv"), "utf8")).toBe(whole("csv"));
  });

  it("examples/k8s-sweep.yaml and k8s-merge.yaml: each index's pod command, then the merge Job's", () => {
    const work = mkdtempSync(join(tmpdir(), "wafersim-k8s-"));
    const job = parse(readFileSync(join(ROOT, "examples/k8s-sweep.yaml"), "utf8"));
    const merge = parse(readFileSync(join(ROOT, "examples/k8s-merge.yaml"), "utf8"));
    expect(job.spec.completionMode).toBe("Indexed");
    type Container = { command: string[]; env: { name: string; value: string }[] };
    const run = (c: Container, extra: Record<string, string>) => {
      const env: Record<string, string | undefined> = { ...process.env, PATH: `${npxShim()}:${process.env["PATH"]}`, WAFERSIM_DEBUG: "" };
      for (const e of c.env) env[e.name] = e.value;
      Object.assign(env, extra);
      const [cmd, ...args] = c.command;
      return spawnSync(cmd!, args, { cwd: work, encoding: "utf8", env });
    };
    const shard: Container = job.spec.template.spec.containers[0];
    // the pod's --shard-count is the Job's completions
    expect(shard.command.join(" ")).toContain(`--shard-count ${job.spec.completions}`);
    for (let i = 0; i < job.spec.completions; i++) {
      const r = run(shard, { SCENARIO: scenario, JOB_COMPLETION_INDEX: String(i) });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    }
    const m = run(merge.spec.template.spec.containers[0], {});
    expect(m.stderr).toBe("");
    expect(m.status).toBe(0);
    expect(readFileSync(join(work, "out/sweep/all.csv"), "utf8")).toBe(whole("csv"));
  });
});
