import { describe, expect, it } from "vitest";
import type { Deployment } from "../../src/serving/engine.js";
import { Rng } from "../../src/serving/random.js";
import { simulate, type SimConfig } from "../../src/serving/simulate.js";

/**
 * Queueing theory as the independent reference. A request of one prompt token and one output
 * token is served in exactly one pass, and a replica with one sequence slot serves one request
 * at a time: the simulator becomes a textbook queue whose service time is whatever the injected
 * pass model says (constant: M/D/1; exponential: M/M/c).
 */
// The injected pass model stands in for the engine, so the deployment has no prepared model or machine.
const FAKE = { hardwareKind: "gpu", chips: 1, tensorParallel: 1, pipelineStages: 1, pipelineSlots: 1, kvBytesPerToken: 1, kvPoolBytes: 1e9, layout: "test" } as Omit<Deployment, "prepared" | "machine"> as Deployment;

function queue(passSeconds: SimConfig["passSeconds"], rate: number, servers: number, requests: number, seed: number) {
  return simulate({
    deployment: FAKE, passSeconds, replicas: servers, routing: "shared-queue",
    scheduler: { kind: "continuous", tokenBudget: 2048, maxSeqs: 1, blockSize: 16 },
    traffic: { kind: "rate", rate, cv: 1, prompt: { kind: "fixed", tokens: 1 }, output: { kind: "fixed", tokens: 1 }, prefixHit: 0 },
    requests, seed, maxContext: 1e6,
  });
}

describe("queueing theory", () => {
  it("M/D/1: Poisson arrivals, constant service, one server: mean wait within 2% of Pollaczek-Khinchine", () => {
    // rho = lambda D = 0.6 x 1 s; Wq = rho D / (2 (1 - rho)) = 0.6 / 0.8 = 0.75 s
    const r = queue(() => 1, 0.6, 1, 500_000, 7);
    expect(r.queueSeconds.mean).toBeWithinRel(0.75, 0.02);
    // every request is served in exactly D: end to end = wait + 1 s
    expect(r.e2eSeconds.mean - r.queueSeconds.mean).toBeWithinRel(1, 1e-9);
  });

  it("M/M/4: Poisson arrivals, exponential service, four servers and one queue: mean wait within 2% of Erlang C", () => {
    // c = 4, lambda = 2.4/s, mu = 1/s, a = lambda / mu = 2.4:
    // a^c / c! = 33.1776 / 24 = 1.3824; times c / (c - a) = 2.5 -> 3.456
    // sum_{k<c} a^k / k! = 1 + 2.4 + 2.88 + 2.304 = 8.584
    // C(c, a) = 3.456 / (8.584 + 3.456) = 0.287043; Wq = C / (c mu - lambda) = 0.287043 / 1.6 = 0.179402 s
    const service = new Rng(11, 99);
    const r = queue(() => service.exponential(1), 2.4, 4, 2_000_000, 3);
    expect(r.queueSeconds.mean).toBeWithinRel(0.179402, 0.02);
  });

  it("a busier queue waits longer (M/D/1 at rho 0.8 against 0.6)", () => {
    const low = queue(() => 1, 0.6, 1, 20_000, 5).queueSeconds.mean;
    const high = queue(() => 1, 0.8, 1, 20_000, 5).queueSeconds.mean;
    expect(high).toBeGreaterThan(1.5 * low);
  });
});

describe("disaggregated prefill and decode", () => {
  it("at low load a request pays exactly the KV transfer over the link on top of the colocated latency", () => {
    const pass = () => 1e-3;
    const base = {
      deployment: { ...FAKE, kvBytesPerToken: 1000 }, passSeconds: pass, replicas: 1, routing: "round-robin" as const,
      scheduler: { kind: "continuous" as const, tokenBudget: 2048, maxSeqs: 8, blockSize: 16 },
      traffic: { kind: "rate" as const, rate: 0.01, cv: 1, prompt: { kind: "fixed" as const, tokens: 100 }, output: { kind: "fixed" as const, tokens: 10 }, prefixHit: 0 },
      requests: 1, seed: 1, maxContext: 1e6,
    };
    const together = simulate(base);
    const apart = simulate({ ...base, disaggregation: { prefillReplicas: 1, decodeReplicas: 1, linkBytesPerSecond: 1e6 } });
    // one prefill pass and nine decode passes of 1 ms each: 10 ms together
    expect(together.e2eSeconds.mean).toBeWithinRel(0.010, 1e-9);
    // apart: the first token comes from the prefill pool after 1 ms; then 100 tokens x 1,000 B of KV
    // cross a 1 MB/s link (0.1 s) before nine decode passes
    expect(apart.ttftSeconds.mean).toBeWithinRel(0.001, 1e-9);
    expect(apart.e2eSeconds.mean - together.e2eSeconds.mean).toBeWithinRel(0.1, 1e-9);
    expect(apart.chips).toBe(2);
  });
});

describe("KV pool and schedulers", () => {
  const tokens = (segs: readonly { users: number; newTokens: number }[]) => segs.reduce((s, x) => s + x.users * x.newTokens, 0);
  const linear = (segs: readonly { users: number; newTokens: number }[]) => 1e-3 + 1e-5 * tokens(segs);
  const run = (kind: "continuous" | "static", pool: number, requests = 200) => simulate({
    deployment: { ...FAKE, kvPoolBytes: pool }, passSeconds: linear, replicas: 1, routing: "round-robin",
    scheduler: { kind, tokenBudget: 2048, maxSeqs: 8, blockSize: 16 },
    traffic: { kind: "rate", rate: 20, cv: 1, prompt: { kind: "fixed", tokens: 16 }, output: { kind: "fixed", tokens: 64 }, prefixHit: 0 },
    requests, seed: 2, maxContext: 1e6,
  });

  it("a pool too small for every running sequence preempts (recompute) and still finishes every request with all its tokens", () => {
    // 20 blocks of 16 tokens; 8 sequences of 16 + 64 tokens need 5 blocks each at the end: 40 > 20
    const r = run("continuous", 20 * 16);
    expect(r.preemptions).toBeGreaterThan(0);
    expect(r.requests).toBe(200);
    expect(r.throughput.outputTokensPerSecond * r.durationSeconds).toBeWithinRel(200 * 64, 1e-9);
    expect(run("continuous", 1e9).preemptions).toBe(0);
  });

  it("static batching waits for the whole batch: its time to first token is no better than continuous batching's", () => {
    const c = run("continuous", 1e9);
    const s = run("static", 1e9);
    expect(s.requests).toBe(200);
    expect(s.ttftSeconds.mean).toBeGreaterThan(c.ttftSeconds.mean);
  });
});
