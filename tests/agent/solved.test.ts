import { describe, expect, it } from "vitest";
import { accuracyFor, breakEven, expectedAttempts, expectedSecondsToSolve, loadTask, simulateSession, solved, solvedWithin, type Candidate } from "../../src/agent/index.js";
import type { SessionResult } from "../../src/agent/index.js";

/** A session stub with only what the time-to-solution maths reads. */
function fake(wall: number, pacedTokens: number, pacedSeconds: number): SessionResult {
  return { wallSeconds: wall, decodePaced: { tokens: pacedTokens, seconds: pacedSeconds }, model: { id: "m", name: "m" }, hardware: { id: "h", kind: "gpu", chips: 1 }, stack: null } as unknown as SessionResult;
}

describe("time to a solved task", () => {
  it.each([
    // p, attempt seconds, expected attempts 1/p, expected time t/p
    [1, 100, 1, 100],
    [0.5, 100, 2, 200],
    [0.773, 600, 1 / 0.773, 600 / 0.773],
    [0.584, 150, 1 / 0.584, 150 / 0.584],
  ])("p = %s, attempt %s s -> %s attempts, %s s", (p, t, n, secs) => {
    expect(expectedAttempts(p)).toBeWithinRel(n, 1e-12);
    expect(expectedSecondsToSolve(t, p)).toBeWithinRel(secs, 1e-12);
  });

  it("zero accuracy never solves; within k attempts is 1 - (1 - p)^k", () => {
    expect(expectedAttempts(0)).toBe(Infinity);
    expect(solvedWithin(0.5, 3)).toBeWithinRel(0.875, 1e-12); // 1 - 0.5^3
  });

  it("break-even: the less accurate agent must be p_more / p_less times faster", () => {
    // Less accurate: 0.5, 100 s per attempt, of which 40 s decode 400 tokens (10 tok/s).
    // More accurate: 0.8, 200 s. Break-even attempt = 200 x 0.5 / 0.8 = 125 s; speed-up needed 1.6.
    const less: Candidate = { label: "L", session: fake(100, 400, 40), accuracy: { value: 0.5, source: "t" } };
    const more: Candidate = { label: "M", session: fake(200, 0, 0), accuracy: { value: 0.8, source: "t" } };
    const b = breakEven(less, more);
    expect(b.requiredAttemptSeconds).toBeWithinRel(125, 1e-12);
    expect(b.requiredSpeedup).toBeWithinRel(1.6, 1e-12);
    expect(b.actualSpeedup).toBeWithinRel(2, 1e-12);
    expect(b.clearsBacklogFirst).toBe(true);
    // 60 s of it is not decode; 400 tokens must fit in 125 - 60 = 65 s: 6.15 tok/s.
    expect(b.requiredTokensPerSecondPerUser!).toBeWithinRel(400 / 65, 1e-12);
    // If tools and overheads alone exceed the break-even time, no decode speed is enough.
    const slow: Candidate = { label: "S", session: fake(200, 400, 40), accuracy: { value: 0.2, source: "t" } };
    expect(breakEven(slow, more).requiredTokensPerSecondPerUser).toBeNull();
    // solved() orders the pair by accuracy, and the backlog scales linearly.
    const r = solved("x", [more, less], 10);
    expect(r.breakEven!.lessAccurate).toBe("L");
    expect(r.candidates[1]!.backlogSeconds).toBeWithinRel(10 * 200, 1e-12); // 10 x 100 / 0.5
  });

  it("accuracy comes from --accuracy, else the profile's Terminal-Bench 2.0 figure, else is reported missing", () => {
    const tb2 = loadTask("terminal-bench-2");
    expect(accuracyFor(tb2.accuracy, "codex-spark-proxy", undefined, "--accuracy")).toMatchObject({ value: 0.584 });
    expect(accuracyFor(tb2.accuracy, "gpt-5.3-codex-proxy", undefined, "--accuracy")).toMatchObject({ value: 0.773 });
    expect(accuracyFor(tb2.accuracy, "gpt-5.3-codex-proxy", 0.5, "--accuracy")).toEqual({ value: 0.5, source: "--accuracy" });
    expect(accuracyFor(loadTask("swe-bench-pro").accuracy, "codex-spark-proxy", undefined, "--accuracy")).toHaveProperty("missing");
  });

  it("on Terminal-Bench 2.0, Spark on WSE-3 against GPT-5.3-Codex on H200s: the break-even is consistent with the sessions", () => {
    const tb2 = loadTask("terminal-bench-2");
    const s = simulateSession({ task: tb2, model: "codex-spark-proxy", hardware: "cerebras-wse3", stack: "websocket" });
    const g = simulateSession({ task: tb2, model: "gpt-5.3-codex-proxy", hardware: "nvidia-h200", stack: "http-legacy" });
    const r = solved(tb2.id, [{ label: "spark", session: s, accuracy: { value: 0.584, source: "" } }, { label: "gpu", session: g, accuracy: { value: 0.773, source: "" } }], 100);
    const b = r.breakEven!;
    expect(b.requiredSpeedup).toBeWithinRel(0.773 / 0.584, 1e-12);
    expect(b.clearsBacklogFirst).toBe(s.wallSeconds / 0.584 < g.wallSeconds / 0.773);
    expect(r.candidates[0]!.expectedSecondsToSolve).toBeWithinRel(s.wallSeconds / 0.584, 1e-12);
  });
});
