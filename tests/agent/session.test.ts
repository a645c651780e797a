import { describe, expect, it } from "vitest";
import { loadTask, outputTokensPerTurn, promptTokensAt, simulateSession, taskFromData } from "../../src/agent/index.js";
import { InputError } from "../../src/errors.js";
import { tempFile } from "../helpers.js";

const spark = () => simulateSession({ task: "swe-bench-pro", model: "codex-spark-proxy", hardware: "cerebras-wse3", stack: "websocket" });
const gpu = () => simulateSession({ task: "swe-bench-pro", model: "gpt-5.3-codex-proxy", hardware: "nvidia-h200", stack: "http-legacy" });

describe("task profiles", () => {
  it("swe-bench-pro reproduces the published per-task means it was built from", () => {
    const t = loadTask("swe-bench-pro");
    const n = t.turns.value;
    // nilenso: 64 calls, mean context 42,224 tokens per call (first prompt derived from it)
    const meanContext = Array.from({ length: n }, (_, i) => promptTokensAt(t, i + 1)).reduce((a, b) => a + b, 0) / n;
    expect(meanContext).toBeWithinRel(42224, 0.001);
    expect(n * t.visibleOutputTokensPerTurn.value).toBeWithinRel(7101, 0.01); // 64 x 111
    expect(outputTokensPerTurn(t)).toBe(415); // TraceLab Codex mean per step, reasoning included
    expect(n * t.toolTimePerTurn.value).toBeWithinRel(75.9, 0.001); // median tool time per task
  });

  it("refuses a profile without sources, with a bad rate or a turn that decodes nothing", () => {
    const base = loadTask("swe-bench-pro");
    expect(() => taskFromData("t.yaml", { id: "t", name: "t", description: "d", turns: 5 })).toThrow(InputError);
    const file = tempFile("t.yaml", [
      "id: t", "name: T", "description: d",
      "turns: {value: 3, source: s}", "initialPromptTokens: {value: 100, source: s}", "promptGrowthPerTurn: {value: 10, source: s}",
      "visibleOutputTokensPerTurn: {value: 0, source: s}", "reasoningOutputTokensPerTurn: {value: 0, source: s}",
      "toolTimePerTurn: {value: 2, source: s}", "promptCacheHitRate: {value: 1.5, source: s}",
      "serving: {gpu: {perUserTokensPerSecond: {value: 65, source: s}}, wafer: {batch: {value: 1, source: s}}}",
    ].join("\n"));
    let err: unknown;
    try { loadTask(file); } catch (e) { err = e; }
    const msg = (err as InputError).message;
    expect(msg).toMatch(/toolTimePerTurn\.value: a bare number has no unit/);
    expect(msg).toMatch(/promptCacheHitRate\.value: too large, got 1.5, expected at most 1/);
    expect(msg).toMatch(/visibleOutputTokensPerTurn: a turn must decode at least one token/);
    expect(base.id).toBe("swe-bench-pro");
  });
});

describe("agent sessions", () => {
  it("turns add up: timeline, wall time and the model / tool / overhead split agree", () => {
    const r = spark();
    expect(r.turns).toHaveLength(64);
    let clock = r.split.overhead.sessionOpenSeconds;
    for (const t of r.turns) {
      expect(t.startSeconds).toBeWithinRel(clock, 1e-9);
      clock = t.endSeconds;
      const p = t.ttft;
      expect(p.network + p.sessionStartup + p.requestHandling + p.queueing + p.prefill + p.firstDecodeStep).toBeWithinRel(t.ttftSeconds, 1e-12);
    }
    expect(r.wallSeconds).toBeWithinRel(clock, 1e-12);
    expect(r.split.modelSeconds + r.split.toolSeconds + r.split.overheadSeconds).toBeWithinRel(r.wallSeconds, 1e-9);
    expect(r.split.shares.model + r.split.shares.tool + r.split.shares.overhead).toBeWithinRel(1, 1e-9);
  });

  it("prompt caching: the first turn prefills everything, later turns only the uncached 4%", () => {
    const r = spark();
    const [t1, t2] = r.turns;
    expect(t1!.uncachedTokens).toBe(14315);
    expect(t2!.promptTokens).toBe(14315 + 886);
    expect(t2!.cachedTokens).toBe(Math.round(0.96 * 15201)); // 14,593
    expect(t2!.ttft.prefill).toBeLessThan(t1!.ttft.prefill / 5);
  });

  it("decode runs at the full context: later turns are no faster per token", () => {
    const r = gpu();
    expect(r.turns[63]!.tokensPerSecondPerUser).toBeLessThan(r.turns[0]!.tokensPerSecondPerUser);
  });

  it("GPU sessions pick the batch that matches OpenAI's ~65 tok/s per user", () => {
    const r = gpu();
    expect(r.serving.batch).toBeGreaterThan(1);
    const mid = r.turns[31]!; // the middle context the batch was chosen at
    expect(mid.tokensPerSecondPerUser).toBeGreaterThanOrEqual(65);
    // one more user would take it below 65 tok/s
    const more = simulateSession({ task: "swe-bench-pro", model: "gpt-5.3-codex-proxy", hardware: "nvidia-h200", stack: "http-legacy", batch: r.serving.batch + 1, chips: r.hardware.chips });
    expect(more.turns[31]!.tokensPerSecondPerUser).toBeLessThan(65);
  });

  it("without a stack there is no serving overhead", () => {
    const r = simulateSession({ task: "swe-bench-pro", model: "codex-spark-proxy", hardware: "cerebras-wse3" });
    expect(r.split.overheadSeconds).toBe(0);
    expect(r.stack).toBeNull();
  });

  // Seed article (OpenAI, 2026-02-12): a SWE-Bench Pro task in 2-3 minutes on Spark (WSE-3, WebSocket).
  it("SWE-Bench Pro with codex-spark-proxy on cerebras-wse3 and websocket takes 2-3 minutes: the predicted band overlaps OpenAI's range", () => {
    const r = spark();
    const band = r.uncertainty["wallSeconds"]!;
    expect(band.low).toBeLessThanOrEqual(r.wallSeconds);
    expect(band.high).toBeGreaterThanOrEqual(r.wallSeconds);
    expect(band.low / 60).toBeLessThanOrEqual(3);
    expect(band.high / 60).toBeGreaterThanOrEqual(2);
  });

  // Known miss, kept where its reason puts it: OpenAI's 15-17 minutes for GPT-5.3-Codex on GPUs.
  // With the sourced profile (415 output tokens per turn, TraceLab's Codex mean) the GPU session
  // takes well under 15 minutes; it would take ~850 output tokens per turn (within TraceLab's p90
  // of 939) to reach 15. A crash, or a change that moves it into or past the range, shows here.
  it("KNOWN MISS (reasoning tokens per turn undisclosed): gpt-5.3-codex-proxy on nvidia-h200 over http-legacy stays between 5 and 15 minutes, below OpenAI's 15-17", () => {
    const minutes = gpu().wallSeconds / 60;
    expect(minutes).toBeGreaterThan(5);
    expect(minutes).toBeLessThan(15);
  });

  it("the stack rework shortens the session, and only in its overhead", () => {
    const a = simulateSession({ task: "swe-bench-pro", model: "codex-spark-proxy", hardware: "cerebras-wse3", stack: "http-legacy" });
    const b = spark();
    expect(b.wallSeconds).toBeLessThan(a.wallSeconds);
    expect(b.split.modelSeconds).toBeWithinRel(a.split.modelSeconds, 1e-12);
    expect(b.split.toolSeconds).toBeWithinRel(a.split.toolSeconds, 1e-12);
    expect(a.wallSeconds - b.wallSeconds).toBeWithinRel(a.split.overheadSeconds - b.split.overheadSeconds, 1e-9);
  });
});

describe("serving batch on GPUs", () => {
  it("fits every turn: the chosen batch holds the session's longest context on its chips", () => {
    // before the fix, the batch was checked at the middle context only and later turns did not fit
    const r = simulateSession({ task: "swe-bench-pro", model: "gpt-5.3-codex-proxy", hardware: "nvidia-b200" });
    expect(r.turns.length).toBeGreaterThan(0);
    expect(r.wallSeconds).toBeGreaterThan(0);
  });
});
