import type { Deployment, Segment } from "./engine.js";
import { Deque, Heap } from "./heap.js";
import { drawLength, type LengthDist } from "./lengths.js";
import { Rng, STREAM } from "./random.js";
import { Replica, type ReplicaHost, type Req, type Role } from "./replica.js";
import { LogHistogram, RELATIVE_ERROR, Timeline, type Summary } from "./stats.js";

/** Arrivals at a rate: Poisson (cv 1), or gamma-distributed gaps with this coefficient of variation (bursty above 1). */
export interface RateTraffic {
  readonly kind: "rate";
  readonly rate: number;
  readonly cv: number;
  readonly prompt: LengthDist;
  readonly output: LengthDist;
  /** share of each prompt served from the prefix cache (0: none) */
  readonly prefixHit: number;
}

/** Requests as recorded: arrival (seconds from the first), prompt and output tokens. */
export interface TraceTraffic {
  readonly kind: "trace";
  readonly rows: readonly { readonly t: number; readonly prompt: number; readonly output: number }[];
  readonly prefixHit: number;
}

/** Agents, each running tasks turn by turn: a model call, then a tool run (src/agent's turn model). */
export interface AgentTraffic {
  readonly kind: "agents";
  readonly users: number;
  readonly turns: number;
  readonly promptAt: (turn: number) => number;
  readonly outputPerTurn: number;
  /** share of a turn's prompt in the prefix cache (turns after the first) */
  readonly cacheHit: number;
  readonly toolSeconds: number;
}

export type Traffic = RateTraffic | TraceTraffic | AgentTraffic;

export interface Slo {
  readonly ttftSeconds: number;
  readonly tpotSeconds: number;
}

/** The knobs of a scheduler; defaults in SCHEDULER_DEFAULTS. */
export interface SchedulerOptions {
  readonly kind: "continuous" | "static";
  readonly tokenBudget: number;
  readonly maxSeqs: number;
  readonly blockSize: number;
}

/**
 * vLLM's scheduler defaults (vllm/config/scheduler.py, SchedulerConfig:
 * DEFAULT_MAX_NUM_BATCHED_TOKENS = 2048, DEFAULT_MAX_NUM_SEQS = 128; docs.vllm.ai stable API,
 * vllm.config.scheduler) and its default KV block of 16 tokens (CacheConfig block_size).
 */
export const SCHEDULER_DEFAULTS = { tokenBudget: 2048, maxSeqs: 128, blockSize: 16, source: "vLLM SchedulerConfig defaults (max_num_batched_tokens 2048, max_num_seqs 128) and CacheConfig block_size 16, docs.vllm.ai/en/stable/api/vllm/config/scheduler/" } as const;

export interface Disaggregation {
  readonly prefillReplicas: number;
  readonly decodeReplicas: number;
  /** bytes/s of the scale-out link a replica sends KV over (its chips' links together) */
  readonly linkBytesPerSecond: number;
}

export interface SimConfig {
  /** one replica; with disaggregation, both pools use it */
  readonly deployment: Deployment;
  /** the iteration's time for a mix (the engine's, or a queueing-theory service model in tests) */
  readonly passSeconds: (segments: readonly Segment[]) => number;
  readonly replicas: number;
  readonly scheduler: SchedulerOptions;
  readonly routing: "round-robin" | "least-outstanding" | "shared-queue";
  readonly traffic: Traffic;
  /** stop issuing after this many requests (agents: after the task in progress) */
  readonly requests?: number;
  /** stop issuing after this many seconds */
  readonly durationSeconds?: number;
  readonly slo?: Slo;
  readonly seed: number;
  /** longest request the model takes (prompt + output), tokens */
  readonly maxContext: number;
  readonly disaggregation?: Disaggregation;
  /** called with each finished request, in finishing order (the --requests-out CSV) */
  readonly onRequest?: (r: FinishedRequest) => void;
}

export interface FinishedRequest {
  readonly id: number;
  readonly arrivalSeconds: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
  readonly replica: number;
  readonly queueSeconds: number;
  readonly ttftSeconds: number;
  /** NaN for a one-token output */
  readonly tpotSeconds: number;
  readonly e2eSeconds: number;
  readonly preemptions: number;
  readonly agent: number;
  readonly turn: number;
}

export interface SimResult {
  readonly requests: number;
  readonly rejected: number;
  readonly durationSeconds: number;
  readonly ttftSeconds: Summary;
  readonly tpotSeconds: Summary;
  readonly e2eSeconds: Summary;
  readonly queueSeconds: Summary;
  readonly throughput: { readonly requestsPerSecond: number; readonly outputTokensPerSecond: number; readonly outputTokensPerSecondPerChip: number };
  readonly goodput: { readonly requestsPerSecond: number; readonly share: number };
  readonly chips: number;
  readonly preemptions: number;
  /** busy share of the replicas' time, and the time-average share of KV blocks in use */
  readonly utilisation: number;
  readonly kvOccupancy: number;
  readonly timeline: readonly { readonly startSeconds: number; readonly seconds: number; readonly utilisation: number; readonly kvOccupancy: number }[];
  /** agent traffic: whole tasks */
  readonly tasks: { readonly count: number; readonly seconds: Summary } | null;
  readonly events: number;
  /** the quantiles' relative error (log-bucket sketch) */
  readonly quantileRelativeError: number;
  readonly cdf: { readonly ttft: readonly { x: number; p: number }[]; readonly tpot: readonly { x: number; p: number }[]; readonly e2e: readonly { x: number; p: number }[] };
}

const ARRIVAL = 0;
const PASS_END = 1;
const AGENT_TURN = 2;
const HANDOFF = 3;

interface Ev {
  readonly kind: number;
  readonly replica?: Replica;
  readonly req?: Req;
  readonly agent?: number;
}

interface AgentState {
  turn: number;
  taskStart: number;
}

/**
 * A discrete-event simulation of requests through replicas of a deployment. Time advances
 * from event to event (arrivals, ends of iterations, agents' next turns, KV hand-offs); every
 * iteration's time is `passSeconds` of exactly its mix. Statistics stream: memory does not grow
 * with the number of requests.
 */
export function simulate(cfg: SimConfig): SimResult {
  const d = cfg.deployment;
  const sch = cfg.scheduler;
  const blocks = Math.floor(d.kvPoolBytes / (d.kvBytesPerToken * sch.blockSize));
  const wafer = d.hardwareKind === "wafer";
  const events = new Heap<Ev>();
  let now = 0;
  let eventCount = 0;

  const ttft = new LogHistogram();
  const tpot = new LogHistogram();
  const e2e = new LogHistogram();
  const queue = new LogHistogram();
  const taskTimes = new LogHistogram();
  let finished = 0;
  let rejected = 0;
  let good = 0;
  let outputTokens = 0;
  let lastFinish = 0;
  let issued = 0;
  const busy = new Timeline(1);
  const kv = new Timeline(1);

  const roles: Role[] = [];
  if (cfg.disaggregation) {
    for (let i = 0; i < cfg.disaggregation.prefillReplicas; i++) roles.push("prefill");
    for (let i = 0; i < cfg.disaggregation.decodeReplicas; i++) roles.push("decode");
  } else for (let i = 0; i < cfg.replicas; i++) roles.push("mixed");
  const nReplicas = roles.length;

  const agentState: AgentState[] = [];
  const agentRng = new Rng(cfg.seed, STREAM.agents);
  const traffic = cfg.traffic;
  const stopIssuing = () => (cfg.requests !== undefined && issued >= cfg.requests) || (cfg.durationSeconds !== undefined && now >= cfg.durationSeconds);

  const host: ReplicaHost = {
    firstToken(r, t) {
      void r; void t;
    },
    finished(r, t) {
      finished++;
      lastFinish = t;
      outputTokens += r.output;
      const a = r.firstToken - r.arrival;
      const e = t - r.arrival;
      const q = r.admitted - r.arrival;
      const per = r.output > 1 ? (t - r.firstToken) / (r.output - 1) : NaN;
      ttft.add(a);
      e2e.add(e);
      queue.add(q);
      if (r.output > 1) tpot.add(per);
      if (cfg.slo && a <= cfg.slo.ttftSeconds && !(per > cfg.slo.tpotSeconds)) good++;
      cfg.onRequest?.({
        id: r.id, arrivalSeconds: r.arrival, promptTokens: r.prompt, outputTokens: r.output, cachedTokens: r.cachedAtArrival,
        replica: r.replica, queueSeconds: q, ttftSeconds: a, tpotSeconds: per, e2eSeconds: e, preemptions: r.preemptions, agent: r.agent, turn: r.turn,
      });
      if (r.agent >= 0) agentDone(r.agent, t);
    },
    handoff(r, t) {
      const bytes = r.target * d.kvBytesPerToken;
      events.push(t + bytes / cfg.disaggregation!.linkBytesPerSecond, { kind: HANDOFF, req: r });
    },
    rejected(r, t) {
      rejected++;
      if (r.agent >= 0) agentDone(r.agent, t);
    },
    pass(_i, t0, t1, share) {
      busy.add(t0, t1, 1 / nReplicas);
      kv.add(t0, t1, share / nReplicas);
    },
    schedule(t, replica) {
      events.push(t, { kind: PASS_END, replica });
    },
  };

  const shared = cfg.routing === "shared-queue" ? new Deque<Req>() : undefined;
  const replicas = roles.map((role, index) => new Replica({
    index, role, static: sch.kind === "static",
    tokenBudget: wafer ? Infinity : sch.tokenBudget,
    maxSeqs: wafer ? Math.min(sch.maxSeqs, d.pipelineSlots) : sch.maxSeqs,
    blockSize: sch.blockSize, blocks, passSeconds: cfg.passSeconds,
  }, host, shared));
  const entry = replicas.filter((r) => r.cfg.role !== "decode");
  const decoders = replicas.filter((r) => r.cfg.role === "decode");
  let rr = 0;
  let rrDecode = 0;

  const pick = (pool: Replica[], rrIndex: number): Replica => {
    if (cfg.routing === "least-outstanding") {
      let best = pool[0]!;
      for (const r of pool) if (r.outstanding < best.outstanding) best = r;
      return best;
    }
    return pool[rrIndex % pool.length]!;
  };

  const dispatch = (req: Req) => {
    if (shared) {
      shared.push(req);
      for (const r of entry) if (!r.busy) { r.wake(now); break; }
      return;
    }
    const r = pick(entry, rr++);
    r.outstanding++;
    r.queue.push(req);
    r.wake(now);
  };

  let nextId = 0;
  const makeReq = (prompt: number, output: number, cached: number, agent: number, turn: number): Req => {
    issued++;
    // Prompt and output together fit the model's context window (longer ones are cut, as an API truncates).
    const p = Math.min(prompt, cfg.maxContext - 1);
    const o = Math.max(1, Math.min(output, cfg.maxContext - p));
    const c = Math.min(cached, p - 1);
    return {
      id: nextId++, arrival: now, prompt: p, output: o, cachedAtArrival: c, target: p, done: c, remaining: o, blocks: 0, p0: 0, ctx0: 0,
      state: 0, stamp: 0, admitted: NaN, firstToken: NaN, preemptions: 0, replica: -1, agent, turn,
    };
  };

  // ---- traffic ----
  const arrivalRng = new Rng(cfg.seed, STREAM.arrivals);
  const promptRng = new Rng(cfg.seed, STREAM.prompt);
  const outputRng = new Rng(cfg.seed, STREAM.output);
  let traceIndex = 0;
  const gap = (t: RateTraffic) => (t.cv === 1 ? arrivalRng.exponential(1 / t.rate) : arrivalRng.gamma(1 / (t.cv * t.cv), (t.cv * t.cv) / t.rate));

  const agentTurn = (a: number) => {
    const s = agentState[a]!;
    const t = traffic as AgentTraffic;
    const prompt = t.promptAt(s.turn);
    const cached = s.turn === 1 ? 0 : Math.round(t.cacheHit * prompt);
    dispatch(makeReq(prompt, t.outputPerTurn, cached, a, s.turn));
  };
  function agentDone(a: number, t: number): void {
    const s = agentState[a]!;
    const tr = traffic as AgentTraffic;
    // Each turn is followed by its tool run (the session model of src/agent); the task ends after the last one's.
    const next = t + tr.toolSeconds;
    if (s.turn < tr.turns) {
      s.turn++;
      events.push(next, { kind: AGENT_TURN, agent: a });
      return;
    }
    taskTimes.add(next - s.taskStart);
    lastFinish = Math.max(lastFinish, next);
    // Another task only while the run is bounded by duration or requests and not over.
    if (cfg.durationSeconds === undefined && cfg.requests === undefined) return;
    if ((cfg.durationSeconds !== undefined && next >= cfg.durationSeconds) || (cfg.requests !== undefined && issued >= cfg.requests)) return;
    s.turn = 1;
    s.taskStart = next;
    events.push(next, { kind: AGENT_TURN, agent: a });
  }

  if (traffic.kind === "rate") events.push(0, { kind: ARRIVAL });
  else if (traffic.kind === "trace") { if (traffic.rows.length > 0) events.push(traffic.rows[0]!.t, { kind: ARRIVAL }); }
  else {
    // Agents start spread over one task's tool time, so they do not all prefill at once.
    const spread = traffic.turns * traffic.toolSeconds;
    for (let a = 0; a < traffic.users; a++) {
      const start = agentRng.uniform() * spread;
      agentState.push({ turn: 1, taskStart: start });
      events.push(start, { kind: AGENT_TURN, agent: a });
    }
  }

  const prefixHit = traffic.kind === "agents" ? 0 : traffic.prefixHit;
  while (events.size > 0) {
    now = events.peekKey();
    const ev = events.pop();
    eventCount++;
    switch (ev.kind) {
      case ARRIVAL: {
        if (traffic.kind === "rate") {
          if (stopIssuing()) break;
          const p = drawLength(traffic.prompt, promptRng, cfg.maxContext - 1);
          const o = drawLength(traffic.output, outputRng, cfg.maxContext);
          dispatch(makeReq(p, o, Math.floor(prefixHit * p), -1, -1));
          if (!stopIssuing()) events.push(now + gap(traffic), { kind: ARRIVAL });
        } else if (traffic.kind === "trace") {
          const row = traffic.rows[traceIndex++]!;
          if (stopIssuing()) break;
          dispatch(makeReq(row.prompt, row.output, Math.floor(prefixHit * row.prompt), -1, -1));
          if (traceIndex < traffic.rows.length && !stopIssuing()) events.push(traffic.rows[traceIndex]!.t, { kind: ARRIVAL });
        }
        break;
      }
      case PASS_END:
        ev.replica!.endPass(now);
        break;
      case AGENT_TURN:
        agentTurn(ev.agent!);
        break;
      case HANDOFF: {
        const r = pick(decoders, rrDecode++);
        r.outstanding++;
        r.queue.push(ev.req!);
        r.wake(now);
        break;
      }
    }
  }

  const duration = lastFinish;
  const chips = d.chips * nReplicas;
  const per = (x: number) => (duration > 0 ? x / duration : 0);
  const busySeconds = replicas.reduce((s, r) => s + r.busySeconds, 0);
  const kvWindows = kv.windows(duration);
  const busyWindows = busy.windows(duration);
  const kvMean = kvWindows.reduce((s, w) => s + w.mean * w.seconds, 0) / Math.max(duration, 1e-300);
  return {
    requests: finished,
    rejected,
    durationSeconds: duration,
    ttftSeconds: ttft.summary(),
    tpotSeconds: tpot.summary(),
    e2eSeconds: e2e.summary(),
    queueSeconds: queue.summary(),
    throughput: { requestsPerSecond: per(finished), outputTokensPerSecond: per(outputTokens), outputTokensPerSecondPerChip: per(outputTokens) / chips },
    goodput: cfg.slo ? { requestsPerSecond: per(good), share: finished > 0 ? good / finished : 0 } : { requestsPerSecond: per(finished), share: finished > 0 ? 1 : 0 },
    chips,
    preemptions: replicas.reduce((s, r) => s + r.preemptions, 0),
    utilisation: duration > 0 ? busySeconds / (duration * nReplicas) : 0,
    kvOccupancy: duration > 0 ? kvMean : 0,
    timeline: busyWindows.map((w, i) => ({ startSeconds: w.startSeconds, seconds: w.seconds, utilisation: w.mean, kvOccupancy: kvWindows[i]?.mean ?? 0 })),
    tasks: traffic.kind === "agents" ? { count: taskTimes.count, seconds: taskTimes.summary() } : null,
    events: eventCount,
    quantileRelativeError: RELATIVE_ERROR,
    cdf: { ttft: ttft.cdf(), tpot: tpot.cdf(), e2e: e2e.cdf() },
  };
}
