import { describe, expect, it } from "vitest";
import { evaluate, prepare } from "../../src/engine/predict.js";
import { applyStack, loadStack, roundtripOverheadSeconds, sessionOpenSeconds, stackFromData } from "../../src/stack/index.js";
import { InputError } from "../../src/errors.js";
import { tempFile } from "../helpers.js";

/** The Codex-Spark reference workload of the stack files' derivations: 1,024-token prompt, batch 1. */
function spark(promptTokens = 1024, outputTokens = 256) {
  return evaluate(prepare({ model: "codex-spark-proxy", hardware: "cerebras-wse3" }), { batch: 1, promptTokens, outputTokens });
}

describe("serving stacks", () => {
  const legacy = loadStack("http-legacy");
  const ws = loadStack("websocket");

  it("every value of both shipped stacks carries a source", () => {
    for (const s of [legacy, ws]) {
      for (const f of [s.network.roundTripTime, s.network.roundTripsPerRequest, s.network.roundTripsPerSession, s.sessionStartup.perRequest, s.sessionStartup.perSession, s.requestHandling, s.queueing, s.perTokenOverhead]) {
        expect(f.source.length).toBeGreaterThan(5);
      }
    }
  });

  // OpenAI, Spark post (2026-02-12): -80% per roundtrip, -30% per token, -50% TTFT.
  it("websocket against http-legacy: roundtrip overhead x0.2 (within 5%)", () => {
    // (44 + 0 + 61) / (3 x 44 + 330 + 61) = 105 / 523
    expect(roundtripOverheadSeconds(ws) / roundtripOverheadSeconds(legacy)).toBeWithinRel(0.2, 0.05);
  });

  it("websocket against http-legacy: per-token overhead x0.7 (within 5%)", () => {
    const p = spark();
    const a = applyStack(p, "http-legacy");
    const b = applyStack(p, "websocket");
    const overhead = (q: typeof a) => q.decode.timePerOutputTokenSeconds - p.decode.timePerOutputTokenSeconds;
    expect(overhead(b) / overhead(a)).toBeWithinRel(0.7, 0.05); // 0.25 / 0.357 ms
  });

  it("websocket against http-legacy: TTFT x0.5 on a Codex-Spark workload (within 5%)", () => {
    const p = spark();
    expect(applyStack(p, "websocket").ttftSeconds / applyStack(p, "http-legacy").ttftSeconds).toBeWithinRel(0.5, 0.05);
  });

  it("absolute TTFT on the GPU agrees with Artificial Analysis's 0.89 s for GPT-5 (minimal) over HTTP (within 15%)", () => {
    // The anchor of http-legacy's values: 1k-token prompt, first token; GPU decode at production batch 24.
    const pr = prepare({ model: "gpt-5.3-codex-proxy", hardware: "nvidia-h200" });
    const prefill = evaluate(pr, { batch: 1, promptTokens: 1024, outputTokens: 1 });
    const step = evaluate(pr, { batch: 24, promptTokens: 1024, outputTokens: 1 }).decode.timePerOutputTokenSeconds;
    const stacked = applyStack({ ...prefill, decode: { ...prefill.decode, timePerOutputTokenSeconds: step } }, "http-legacy");
    expect(stacked.ttftSeconds).toBeWithinRel(0.89, 0.15);
  });

  it("applyStack puts the stack into ttftSeconds, breakdown.ttft, per-token time, speed and request time", () => {
    const p = spark(1024, 100);
    const s = applyStack(p, "websocket");
    const t = s.breakdown.ttft;
    expect(t.network + t.sessionStartup + t.requestHandling + t.queueing + t.prefill + t.firstDecodeStep).toBeWithinRel(s.ttftSeconds, 1e-12);
    expect(t.prefill).toBe(p.prefill.seconds);
    expect(t.firstDecodeStep).toBe(p.decode.timePerOutputTokenSeconds);
    expect(t.network).toBeWithinRel(0.044, 1e-9); // one 44 ms round trip on an open socket
    expect(s.decode.timePerOutputTokenSeconds).toBeWithinRel(p.decode.timePerOutputTokenSeconds + 0.25e-3, 1e-9);
    expect(s.decode.tokensPerSecondPerUser).toBeWithinRel(1 / s.decode.timePerOutputTokenSeconds, 1e-12);
    expect(s.requestSeconds).toBeWithinRel(s.ttftSeconds + 99 * s.decode.timePerOutputTokenSeconds, 1e-12);
    expect(s.stack.sessionOpenSeconds).toBeWithinRel(3 * 0.044 + 0.33, 1e-9); // TCP + TLS + upgrade, then the state build once
    expect(sessionOpenSeconds(legacy)).toBe(0);
  });

  it("rejects a stack file with a bare number, an unknown key and a wrong dimension, naming each", () => {
    const file = tempFile("bad.yaml", [
      "id: bad", "name: Bad", "description: x",
      "network: {roundTripTime: {value: 44, source: s}, roundTripsPerRequest: {value: 1, source: s}, roundTripsPerSession: {value: 0, source: s}}",
      "sessionStartup: {perRequest: {value: '0 s', source: s}, perSession: {value: '0 s', source: s}}",
      "requestHandling: {value: '5 GB', source: s}",
      "queueing: {value: '1 ms', source: s}",
      "perTokenOverhead: {value: '1 ms', source: s}",
      "typo: 1",
    ].join("\n"));
    let err: unknown;
    try { loadStack(file); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(InputError);
    const msg = (err as InputError).message;
    expect(msg).toMatch(/network\.roundTripTime\.value: a bare number has no unit/);
    expect(msg).toMatch(/requestHandling\.value: .*time/);
    expect(msg).toMatch(/typo: unknown field/);
    expect(() => stackFromData("x.yaml", { id: "x" })).toThrow(/name: missing/);
    expect(() => loadStack("no-such-stack")).toThrow(/unknown stacks id, got "no-such-stack", expected one of http-legacy, websocket/);
  });
});
