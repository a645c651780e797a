import { describe, expect, it } from "vitest";
import { cli } from "../helpers.js";

describe("wafersim session", () => {
  it("--json has wallSeconds, turns and the split", () => {
    const r = cli(["session", "--task", "swe-bench-pro", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3", "--stack", "websocket", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.turns).toHaveLength(64);
    expect(j.split.modelSeconds + j.split.toolSeconds + j.split.overheadSeconds).toBeWithinRel(j.wallSeconds, 1e-9);
    expect(Object.keys(j.turns[0].ttft)).toEqual(["network", "sessionStartup", "requestHandling", "queueing", "prefill", "firstDecodeStep"]);
    expect(j.stack.id).toBe("websocket");
  });

  it("prints the wall time, the split and a per-turn timeline", () => {
    const r = cli(["session", "--task", "terminal-bench-2", "--model", "gpt-5.3-codex-proxy", "--hardware", "nvidia-h200", "--stack", "http-legacy"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wall time [\d.]+ min for 83 turns/);
    expect(r.stdout).toMatch(/serving overhead\s+[\d.]+ \w+\s+[\d.]+%/);
    expect(r.stdout).toMatch(/\n\s+83\s/);
  });

  it.each([
    [["--task", "no-such-task"], /--task: unknown tasks id, got "no-such-task", expected one of swe-bench-pro, terminal-bench-2/],
    [["--stack", "carrier-pigeon"], /--stack: unknown stacks id, got "carrier-pigeon"/],
    [["--batch", "0"], /--batch: .*not a whole number in range/],
  ])("bad input %j exits 2 with a message and no stack trace", (args, message) => {
    const base = ["session", "--task", "swe-bench-pro", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3"];
    const r = cli([...base, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });
});

describe("wafersim predict --stack", () => {
  it("adds the stack to ttftSeconds with breakdown.ttft, and to per-token time", () => {
    const args = ["predict", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3", "--json"];
    const bare = JSON.parse(cli(args).stdout);
    const j = JSON.parse(cli([...args, "--stack", "http-legacy"]).stdout);
    const t = j.breakdown.ttft;
    expect(t.network + t.sessionStartup + t.requestHandling + t.queueing + t.prefill + t.firstDecodeStep).toBeWithinRel(j.ttftSeconds, 1e-9);
    expect(t.prefill).toBeWithinRel(bare.prefill.seconds, 1e-12);
    // 3 round trips of 44 ms + 330 + 61 + 307 ms of stack before the model's part
    expect(j.ttftSeconds - t.prefill - t.firstDecodeStep).toBeWithinRel(0.830, 1e-9);
    expect(j.decode.timePerOutputTokenSeconds).toBeWithinRel(bare.decode.timePerOutputTokenSeconds + 0.357e-3, 1e-9);
  });

  it("compare takes --stack too", () => {
    const r = cli(["compare", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3,nvidia-h200", "--stack", "websocket", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((p: { stack: { id: string } }) => p.stack.id)).toEqual(["websocket", "websocket"]);
  });
});

describe("wafersim solved", () => {
  it("Terminal-Bench 2.0: expected time to solution and the break-even, in the JSON", () => {
    const r = cli(["solved", "--task", "terminal-bench-2", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3", "--stack", "websocket",
      "--vs-model", "gpt-5.3-codex-proxy", "--vs-hardware", "nvidia-h200", "--vs-stack", "http-legacy", "--backlog", "50", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.candidates.map((c: { accuracy: number }) => c.accuracy)).toEqual([0.584, 0.773]);
    expect(j.candidates[0].expectedSecondsToSolve).toBeWithinRel(j.candidates[0].attemptSeconds / 0.584, 1e-12);
    expect(j.candidates[0].backlogSeconds).toBeWithinRel(50 * j.candidates[0].expectedSecondsToSolve, 1e-12);
    expect(j.breakEven.lessAccurate).toBe("A");
    expect(j.breakEven.requiredAttemptSeconds).toBeWithinRel(j.candidates[1].attemptSeconds * 0.584 / 0.773, 1e-12);
  });

  it("asks for --accuracy when the profile has no figure for the model", () => {
    const r = cli(["solved", "--task", "swe-bench-pro", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--accuracy: no per-attempt success rate for model codex-spark-proxy/);
    const ok = cli(["solved", "--task", "swe-bench-pro", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3", "--accuracy", "0.5"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/expected time to a solved task/);
  });
});

describe("session and solved say what their speeds include", () => {
  it("session: the model's speed and, with a stack, the speed a user sees; the turn columns name the stack", () => {
    const r = cli(["session", "--task", "swe-bench-pro", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3", "--stack", "websocket"]);
    const j = JSON.parse(cli(["session", "--task", "swe-bench-pro", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3", "--stack", "websocket", "--json"]).stdout);
    const tokens = j.turns.reduce((a: number, t: { visibleOutputTokens: number; reasoningOutputTokens: number }) => a + t.visibleOutputTokens + t.reasoningOutputTokens, 0);
    const model = tokens / j.split.model.decodeSeconds;
    const m = /decode speed per user: ([\d,.]+) tok\/s \(model\), ([\d,.]+) tok\/s with websocket's per-token overhead/.exec(r.stdout)!;
    expect(Number(m[1]!.replace(/,/g, ""))).toBeWithinRel(model, 5e-4);
    // the stack's per-token overhead (models/stacks/websocket.yaml: 250 us) slows every token: 1 / (1 / model + 250 us)
    expect(Number(m[2]!.replace(/,/g, ""))).toBeWithinRel(1 / (1 / model + 250e-6), 5e-3);
    expect(r.stdout).toMatch(/tok\/s \(with websocket\)/);
    const bare = cli(["session", "--task", "swe-bench-pro", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3"]);
    expect(bare.stdout).toMatch(/decode speed per user: [\d,.]+ tok\/s \(model only, no serving stack\)/);
  });

  it("solved: the break-even speed says it includes the stack's per-token overhead", () => {
    const r = cli(["solved", "--task", "terminal-bench-2", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3", "--stack", "websocket",
      "--vs-model", "gpt-5.3-codex-proxy", "--vs-hardware", "nvidia-h200", "--vs-stack", "http-legacy"]);
    expect(r.stdout).toMatch(/decode speed needed per user, as the user sees it \(model \+ websocket's per-token overhead\): [\d,.]+ tok\/s/);
  });
});
