import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { simulateSession } from "../../src/agent/session.js";
import { InputError } from "../../src/index.js";
import { loadScenario } from "../../src/scenario/load.js";
import { makePlan } from "../../src/scenario/plan.js";
import { parseTarget, solve } from "../../src/scenario/solve.js";
import { OVERHEAD_PARTS, SESSION_METRICS } from "../../src/scenario/session.js";
import { cli, issuesOfAsync } from "../helpers.js";

const d = mkdtempSync(join(tmpdir(), "wafersim-session-"));
function file(name: string, text: string): string {
  const f = join(d, name);
  writeFileSync(f, text);
  return f;
}

const issuesOf = issuesOfAsync;

// 2 hardware x 3 batches = 6 sessions of the swe-bench-pro profile (64 turns of 415 output tokens).
const grid = file("grid.yaml", [
  "model: codex-spark-proxy",
  "task: swe-bench-pro",
  "stack: websocket",
  "chips: 8",
  "sweep:",
  "  hardware: [nvidia-h100-sxm, nvidia-b200]",
  "  batch: [1, 8, 64]",
  "",
].join("\n"));

describe("task: every point is an agent session", () => {
  it("a point's metrics are simulateSession's for the same inputs", async () => {
    const plan = await makePlan(loadScenario(grid));
    expect(plan.kind).toBe("session");
    expect(plan.columns).toEqual(["hardware", "batch", ...SESSION_METRICS, "note"]);
    // point 4: hardware index 1 (nvidia-b200), batch index 1 (8)
    const p = plan.point(4);
    expect(p.axes).toEqual({ hardware: "nvidia-b200", batch: 8 });
    const r = simulateSession({ task: "swe-bench-pro", model: "codex-spark-proxy", hardware: "nvidia-b200", chips: 8, stack: "websocket", batch: 8 });
    expect(p.metrics["session.wallSeconds"]).toBe(r.wallSeconds);
    expect(p.metrics["session.modelSeconds"]).toBe(r.split.modelSeconds);
    expect(p.metrics["session.toolSeconds"]).toBe(r.split.toolSeconds);
    expect(p.metrics["session.overheadSeconds"]).toBe(r.split.overheadSeconds);
    expect(p.metrics["session.batch"]).toBe(8);
    // 64 turns x (111 visible + 304 reasoning) tokens = 26,560 tokens over the model's decode time
    expect(p.metrics["session.decodedTokens"]).toBe(64 * 415);
    expect(p.metrics["session.decodeTokensPerSecond"]).toBeWithinRel((64 * 415) / r.split.model.decodeSeconds, 1e-12);
    // the three parts add up to the wall time
    expect((p.metrics["session.modelSeconds"] as number) + (p.metrics["session.toolSeconds"] as number) + (p.metrics["session.overheadSeconds"] as number)).toBeWithinRel(r.wallSeconds, 1e-12);
  });

  it("the serving overhead's parts are columns too, in seconds and as shares, adding up to the overhead", async () => {
    const plan = await makePlan(loadScenario(grid));
    const p = plan.point(4);
    const r = simulateSession({ task: "swe-bench-pro", model: "codex-spark-proxy", hardware: "nvidia-b200", chips: 8, stack: "websocket", batch: 8 });
    let seconds = 0;
    let shares = 0;
    for (const part of OVERHEAD_PARTS) {
      expect(p.metrics[`session.overhead.${part}Seconds`]).toBe(r.split.overhead[`${part}Seconds`]);
      seconds += p.metrics[`session.overhead.${part}Seconds`] as number;
      shares += p.metrics[`session.shares.${part}`] as number;
    }
    expect(seconds).toBeWithinRel(r.split.overheadSeconds, 1e-12);
    expect(shares).toBeWithinRel(p.metrics["session.shares.overhead"] as number, 1e-12);
  });

  it("session-overheads: WebSocket cuts the stacks' overhead in a session, and the table shows each part's share", async () => {
    const out = await cli(["run", "session-overheads", "--json"]);
    expect(out.code).toBe(0);
    const rows = (JSON.parse(out.stdout) as { points: { axes: Record<string, string>; metrics: Record<string, number> }[] }).points;
    expect(rows).toHaveLength(4);
    for (const model of ["codex-spark-proxy", "gpt-5.3-codex-proxy"]) {
      const of = (stack: string) => rows.find((r) => r.axes["model"] === model && r.axes["stack"] === stack)!.metrics;
      expect(of("websocket")["session.overheadSeconds"]).toBeLessThan(of("http-legacy")["session.overheadSeconds"]!);
      expect(of("websocket")["session.overhead.sessionStartupSeconds"]).toBeLessThan(of("http-legacy")["session.overhead.sessionStartupSeconds"]!);
    }
    const table = await cli(["run", "session-overheads"]);
    expect(table.code).toBe(0);
    for (const h of ["network share", "start-up share", "handling share", "queueing share", "streaming share"]) expect(table.stdout).toContain(h);
  });

  it("without batch, the task profile's serving assumption decides (wafer: serving.wafer.batch = 1)", async () => {
    const f = file("wafer.yaml", "model: codex-spark-proxy\nhardware: cerebras-wse3\ntask: swe-bench-pro\n");
    const sc = loadScenario(f);
    expect(sc.settings.has("batch")).toBe(false);
    expect(sc.settings.has("promptTokens")).toBe(false);
    const plan = await makePlan(sc);
    const r = simulateSession({ task: "swe-bench-pro", model: "codex-spark-proxy", hardware: "cerebras-wse3" });
    expect(plan.point(0).metrics["session.batch"]).toBe(r.serving.batch);
    expect(plan.sessionAt(0).session.wallSeconds).toBe(r.wallSeconds);
  });

  it("a point that does not fit is a note with empty metrics, like a prediction's", async () => {
    const f = file("nofit.yaml", "model: codex-spark-proxy\nhardware: cerebras-wse3\nchips: 1\ntask: swe-bench-pro\n");
    const p = (await makePlan(loadScenario(f))).point(0);
    expect(p.note).toMatch(/cannot hold the model/);
    expect(p.metrics["session.wallSeconds"]).toBeNull();
  });

  it("solve accepts session metrics: the highest batch whose task still ends within a time", async () => {
    const sc = loadScenario(grid);
    const plan = await makePlan(sc);
    // the limit: halfway between H100's batch-8 and batch-64 wall times, so the edge is strictly inside
    const w8 = plan.point(1).metrics["session.wallSeconds"] as number;
    const w64 = plan.point(2).metrics["session.wallSeconds"] as number;
    const limit = (w8 + w64) / 2;
    const r = await solve(sc, parseTarget(`session.wallSeconds<=${limit}`), "batch");
    const h100 = r.rows.find((row) => row.fixed["hardware"] === "nvidia-h100-sxm")!;
    const edge = h100.highest!.value as number;
    expect(h100.highest!.metric).toBeLessThanOrEqual(limit);
    const above = file("above.yaml", `model: codex-spark-proxy\ntask: swe-bench-pro\nstack: websocket\nchips: 8\nhardware: nvidia-h100-sxm\nbatch: ${edge + 1}\n`);
    const next = (await makePlan(loadScenario(above))).point(0).metrics["session.wallSeconds"] as number;
    expect(next).toBeGreaterThan(limit);
  });

  it("a prediction metric on a task scenario is an error naming the session metrics", async () => {
    const issues = await issuesOf(() => solve(loadScenario(grid), parseTarget("ttftSeconds<=1"), "batch"));
    expect(issues[0]).toMatchObject({ file: "--target", problem: expect.stringMatching(/agent-session scenario/) });
    expect(issues[0]!.expected).toMatch(/session\.wallSeconds/);
  });
});

describe("task: bad input is reported against the scenario before any output", () => {
  const cases = [
    { name: "prompt", text: "model: codex-spark-proxy\nhardware: cerebras-wse3\ntask: swe-bench-pro\npromptTokens: 8192\n", path: "promptTokens", problem: /not used by an agent session/ },
    { name: "whatif", text: "model: codex-spark-proxy\nhardware: cerebras-wse3\ntask: swe-bench-pro\nhardware.memory.capacity: x2\n", path: "hardware.memory.capacity", problem: /what-if overrides are not available/ },
    { name: "spec", text: "model: codex-spark-proxy\nhardware: cerebras-wse3\ntask: swe-bench-pro\nsweep:\n  speculation.acceptance: [0.5, 0.7]\n  speculation.draftTokens: [4]\n", path: "sweep.speculation.acceptance", problem: /speculative decoding is not modelled/ },
    { name: "cores", text: "model: codex-spark-proxy\nhardware: cerebras-wse3\ntask: swe-bench-pro\nsweep:\n  coresPerLayer: [1000, 400000]\n", path: "sweep.coresPerLayer", problem: /per-layer benchmark grid does not apply/ },
  ];
  it.each(cases)("$path: $problem", async ({ name, text, path, problem }) => {
    const f = file(`${name}.yaml`, text);
    const issues = await issuesOf(() => loadScenario(f));
    const hit = issues.find((i) => i.path === path);
    expect(hit, JSON.stringify(issues)).toBeDefined();
    expect(hit!.file).toBe(f);
    expect(hit!.problem).toMatch(problem);
  });

  it("an unknown task id names the scenario and the key", async () => {
    const f = file("task.yaml", "model: codex-spark-proxy\nhardware: cerebras-wse3\ntask: swe-bench-pr\n");
    const issues = await issuesOf(() => makePlan(loadScenario(f)));
    expect(issues[0]).toMatchObject({ file: f, path: "task", problem: "unknown tasks id" });
  });

  it("an unknown stack in a session sweep names the scenario and the key", async () => {
    const f = file("stack.yaml", "model: codex-spark-proxy\nhardware: cerebras-wse3\ntask: swe-bench-pro\nsweep:\n  stack: [websocket, no-such-stack]\n");
    const plan = await makePlan(loadScenario(f));
    const issues = await issuesOf(() => plan.prepareAll());
    expect(issues[0]).toMatchObject({ file: f, path: "stack", problem: expect.stringMatching(/unknown/) });
  });
});

// These run the built CLI (dist/): `npx tsc -p tsconfig.build.json` first.
describe("wafersim run / sweep / solve with task", () => {
  it("sweep writes session columns; workers and merged shards are byte-identical to one run", () => {
    const whole = join(d, "whole.csv");
    expect(cli(["sweep", grid, "--out", whole]).code).toBe(0);
    const text = readFileSync(whole, "utf8");
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(2 + 6);
    expect(lines[1]).toBe(["hardware", "batch", ...SESSION_METRICS, "note"].join(","));
    const workers = join(d, "workers.csv");
    expect(cli(["sweep", grid, "--workers", "2", "--out", workers]).code).toBe(0);
    expect(readFileSync(workers, "utf8")).toBe(text);
    const parts = [1, 2, 3].map((k) => {
      const f = join(d, `part-${k}`);
      expect(cli(["sweep", grid, "--shard", `${k}/3`, "--out", f]).code).toBe(0);
      return f;
    });
    const merged = join(d, "merged.csv");
    expect(cli(["merge", parts[1]!, parts[2]!, parts[0]!, "--out", merged]).code).toBe(0);
    expect(readFileSync(merged, "utf8")).toBe(text);
  });

  it("run of a single session shows the session; --json carries its SessionResult", () => {
    const f = file("one.yaml", "model: codex-spark-proxy\nhardware: cerebras-wse3\ntask: swe-bench-pro\nstack: websocket\n");
    const r = cli(["run", f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wall time .* for 64 turns/);
    const j = JSON.parse(cli(["run", f, "--json"]).stdout);
    const s = JSON.parse(cli(["session", "--task", "swe-bench-pro", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3", "--stack", "websocket", "--json"]).stdout);
    expect(j.result.wallSeconds).toBe(s.wallSeconds);
  });

  it("solve --target session.wallSeconds works from the command line", () => {
    const r = cli(["solve", grid, "--vary", "batch", "--target", "session.wallSeconds<=1e9", "--json"]);
    expect(r.code).toBe(0);
    // every batch meets a billion seconds: the highest edge is the end of the listed range
    expect(JSON.parse(r.stdout).rows[0].highest).toMatchObject({ value: 64, atRangeEnd: true });
  });
});

describe("shipped scenario agent-time-vs-speed", () => {
  it("runs; per GPU, more users per step means lower decode speed and a longer task", () => {
    const r = cli(["sweep", "agent-time-vs-speed", "--format", "json"]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout).points as Record<string, number | string | null>[];
    expect(rows).toHaveLength(4 * 8);
    for (const hw of ["nvidia-h100-sxm", "nvidia-h200", "nvidia-b200"]) {
      const ok = rows.filter((x) => x["hardware"] === hw && x["session.wallSeconds"] !== null);
      expect(ok.length).toBeGreaterThan(3);
      for (let i = 1; i < ok.length; i++) {
        expect(ok[i]!["session.decodeTokensPerSecond"] as number).toBeLessThan(ok[i - 1]!["session.decodeTokensPerSecond"] as number);
        expect(ok[i]!["session.wallSeconds"] as number).toBeGreaterThan(ok[i - 1]!["session.wallSeconds"] as number);
      }
    }
    // tools and serving overhead do not depend on the deployment: the same in every session
    const ok = rows.filter((x) => x["session.wallSeconds"] !== null);
    for (const x of ok) {
      expect(x["session.toolSeconds"]).toBe(ok[0]!["session.toolSeconds"]);
      expect(x["session.overheadSeconds"]).toBe(ok[0]!["session.overheadSeconds"]);
    }
  });
});
