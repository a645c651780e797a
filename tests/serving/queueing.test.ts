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
const FAKE: Deployment = { hardwareKind: "gpu", chips: 1, tensorParallel: 1, pipelineStages: 1, pipelineSlots: 1, kvBytesPerToken: 1, kvPoolBytes: 1e9, layout: "test" };

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
