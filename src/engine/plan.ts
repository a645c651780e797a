import { LIMITS } from "../schema/limits.js";
import type { GpuParams, WaferParams } from "./parameters.js";
import { gpuMachine, waferMachine, type GpuMachine, type Machine, type WaferMachine } from "./machine.js";
import { forward, newAcc, resetAcc, type Acc, type Segment } from "./phases/forward.js";
import { expectedTokensPerStep } from "./phases/speculative.js";
import { expectedExpertsTouched } from "./ops/roofline.js";
import {
  gpuMemory, kvPerUserOf, maxRegionCores, minRegionCores, newMemory, regionsOf, tensorWidths, waferMemory, weightsOf,
  type Layout, type Memory, type MutableMemory, type Resident,
} from "./placement.js";
import { draftHeadProfile, kvBytesPerSequence, kvReplication, type ModelProfile } from "./profile.js";
import { waferCores } from "./machine.js";
import type { Prepared } from "./prepare.js";

/**
 * The one evaluation path. A Plan is prepared once per deployment (model, hardware, fitted
 * parameters, chips) and evaluates any workload on plain numbers: it picks the layout a runtime
 * would for the chips it has, builds the machines, and runs the forward passes of a request
 * (decode step with its draft and verify, prefill), writing into reused buffers. `evaluate`
 * (a full Prediction), the sweep, agent sessions, calibration and the serving simulator all
 * read from it, so a physics change is made once.
 */
export interface Point {
  /** "" when the point runs; else why not (does not fit, beyond the context window) */
  why: string;
  /** when the chips asked for cannot hold the point: the fewest that can (if any can) */
  fewestChips: number | undefined;
  layout: Layout;
  memory: Memory;
  machine: Machine;
  /** seconds per output token, after speculation */
  tpot: number;
  tokensPerStep: number;
  /** seconds per output token of the same deployment without speculation (NaN when not speculating) */
  tpotPlain: number;
  /**
   * decode tokens per second of every user together: replicas that share the batch unevenly
   * (21 users on 2: 11 and 10) each run at their own users' speed; tpot is the fuller one's
   */
  aggregate: number;
  prefillSeconds: number;
  /** the context at which the average decode step is taken: P + floor(O / 2) */
  decodeContext: number;
  /** per-user physical ceiling (tokens/s) at this batch */
  roofline: number;
  /** one decode step (draft and verify included), by part */
  readonly decode: Acc;
  readonly prefill: Acc;
}

export interface SpecInput {
  readonly draftTokens: number;
  readonly acceptance: number;
  /** a tree's verify pass: the tokens it checks (default draftTokens + 1, a chain) */
  readonly verifyTokens?: number;
  /** a tree's draft steps: the candidates each extends (default 1, a chain) */
  readonly draftWidth?: number;
}

interface Draft {
  readonly profile: ModelProfile;
  readonly machine: Machine;
  /** wafer: a hand-off per verify step bringing the drafted tokens to the target's first wafer */
  readonly handoff: number;
  /** per draft step beyond its forward pass (draftOverhead) */
  readonly overhead: number;
}

/** Bits of Plan.evaluate's `skip`: parts of a point a caller will not read. */
export const SKIP_PREFILL = 1;
export const SKIP_ROOFLINE = 2;
/** a wafer placed without chips asked: its memory accounting (the layout does not need it); `memory` is then stale */
export const SKIP_MEMORY = 4;

/** The context of the second probe pass that gives the region's work against the context. */
const REGION_PROBE_CONTEXT = 16384;

const seg = (): Segment => ({ users: 1, newTokens: 1, cachedTokens: 0, logitTokens: 1 });

export class Plan {
  private readonly one: Segment[] = [seg()];
  private readonly scratch = newAcc();
  private readonly draftAcc = newAcc();
  private readonly machines = new Map<string, Machine>();
  private readonly waferMachines = new Map<number, { base: WaferMachine; scratch: { -readonly [K in keyof WaferMachine]: WaferMachine[K] } }>();
  private headProfile: ModelProfile | undefined;
  /** tensor-parallel widths to try (GPU) */
  private readonly widths: readonly number[];
  /** per (wafers, users): the work per layer against the context, for the best region (bounded cache) */
  private readonly regionCurves = new Map<number, { a0: number; a1: number; b: number }>();
  private lastCurveKey = -1;
  private lastCurve: { a0: number; a1: number; b: number } | undefined;
  /** the current evaluation's skip bits (evaluate) */
  private skip = 0;
  /** the same deployment without chips asked, built once: the chips a point that does not fit would need */
  private auto: Plan | undefined;
  /** the decode step time of the candidate layout requestSeconds last timed */
  private candidateTpot = 0;
  private readonly bestSoFar = { tpot: Infinity, request: Infinity, chips: Infinity };
  readonly point: Point;
  private readonly layout: { -readonly [K in keyof Layout]: Layout[K] } = { chips: 0, replicas: 1, tensorParallel: 1, pipelineStages: 1, regionCores: 0, pipelineSlots: 1, usersPerReplica: 1, idleChips: 0 };
  private readonly memory: MutableMemory = newMemory();
  /** the request being placed (for the message of a point that does not fit) */
  private readonly last: { batch: number; prompt: number; output: number; spec: SpecInput | undefined } = { batch: 1, prompt: 1, output: 1, spec: undefined };

  constructor(readonly pr: Prepared) {
    this.widths = pr.hardware.kind !== "gpu" ? [] : pr.tensorParallel !== undefined ? [pr.tensorParallel] : tensorWidths(pr.profile, pr.hardware);
    const empty: Memory = { weightBytes: 0, kvCacheBytes: 0, activationBytes: 0, neededBytes: 0, capacityBytes: 0, usableBytes: 0, kvPoolBytes: 0, fits: false };
    const layout: Layout = { chips: 0, replicas: 1, tensorParallel: 1, pipelineStages: 1, regionCores: 0, pipelineSlots: 1, usersPerReplica: 1, idleChips: 0 };
    this.point = {
      why: "", fewestChips: undefined, layout, memory: empty, machine: undefined as unknown as Machine, tpot: NaN, tokensPerStep: 1, tpotPlain: NaN, aggregate: NaN,
      prefillSeconds: NaN, decodeContext: 0, roofline: NaN, decode: newAcc(), prefill: newAcc(),
    };
  }

  /** What a speculating point keeps resident beside the target: its draft model, or a one-layer head. */
  resident(speculating: boolean): Resident | undefined {
    if (!speculating) return undefined;
    const d = this.pr.draft;
    return d ? { profile: d.profile, head: false } : { profile: this.head(), head: true };
  }

  private head(): ModelProfile {
    return (this.headProfile ??= draftHeadProfile(this.pr.profile));
  }

  /**
   * Evaluates one request shape: `batch` users, prompts of `promptTokens` of which the first
   * `cachedTokens` are in the KV cache already (a prompt-cache hit), `outputTokens` out.
   * Fills and returns `this.point`; `why` says when the deployment cannot run it. `skip` (bits
   * SKIP_PREFILL, SKIP_ROOFLINE, SKIP_MEMORY) leaves out what a caller will not read (a sweep of
   * decode columns only): the prefill pass and the roofline are then NaN, and the memory
   * accounting of a wafer placed without chips asked is not refreshed. The layout and decode do
   * not depend on them.
   */
  evaluate(batch: number, promptTokens: number, outputTokens: number, spec?: SpecInput, cachedTokens = 0, skip = 0): Point {
    const pt = this.point;
    const limit = this.pr.model.arch.maxContext;
    if (limit !== null && promptTokens + outputTokens > limit) {
      pt.why = `prompt and output exceed the model's context window; at most ${limit} tokens`;
      return pt;
    }
    const speculating = spec !== undefined && spec.draftTokens > 0;
    this.skip = skip;
    this.last.batch = batch;
    this.last.prompt = promptTokens;
    this.last.output = outputTokens;
    this.last.spec = speculating ? spec : undefined;
    const context = promptTokens + outputTokens;
    const decodeContext = promptTokens + Math.floor(outputTokens / 2);
    pt.decodeContext = decodeContext;
    pt.fewestChips = undefined;
    let why = this.place(batch, context, decodeContext, speculating ? spec : undefined);
    if (why === "" && pt.layout.chips > LIMITS.chips.max) why = `it needs ${pt.layout.chips} x ${this.pr.hardware.id}, more than ${LIMITS.chips.name} (${LIMITS.chips.max}) chips`;
    pt.why = why;
    if (why !== "") return pt;
    const users = pt.layout.usersPerReplica;
    const m = pt.machine;
    // Decode: the average step, at the mid-point of the output (costs grow linearly with context).
    const dec = resetAcc(pt.decode);
    if (speculating) {
      const draft = this.draftFor(m);
      const k = spec.draftTokens;
      // A chain verifies its k drafted tokens and one more; a tree every candidate it kept.
      const checked = spec.verifyTokens ?? k + 1;
      const width = spec.draftWidth ?? 1;
      const verify = this.pass(m, this.pr.profile, users, checked, decodeContext, checked, dec);
      const d = resetAcc(this.draftAcc);
      const step = this.pass(draft.machine, draft.profile, users, width, decodeContext, width, d);
      const draftSeconds = k * (step + draft.overhead) + draft.handoff;
      dec.draft += draftSeconds;
      pt.tokensPerStep = expectedTokensPerStep(k, spec.acceptance);
      pt.tpot = (verify + draftSeconds) / pt.tokensPerStep;
      pt.tpotPlain = this.pass(m, this.pr.profile, users, 1, decodeContext, 1, resetAcc(this.scratch));
    } else {
      pt.tokensPerStep = 1;
      pt.tpot = this.pass(m, this.pr.profile, users, 1, decodeContext, 1, dec);
      pt.tpotPlain = NaN;
    }
    pt.aggregate = batch / pt.tpot;
    const replicas = pt.layout.replicas;
    const fewer = users - 1;
    const fuller = batch - replicas * fewer;
    if (!speculating && replicas > 1 && fuller < replicas && fewer > 0) {
      const t = this.pass(m, this.pr.profile, fewer, 1, decodeContext, 1, resetAcc(this.scratch));
      pt.aggregate = (fuller * users) / pt.tpot + ((replicas - fuller) * fewer) / t;
    }
    const pre = resetAcc(pt.prefill);
    pt.prefillSeconds = (skip & SKIP_PREFILL) !== 0 ? NaN : this.pass(m, this.pr.profile, users, promptTokens - cachedTokens, cachedTokens, 1, pre);
    pt.roofline = (skip & SKIP_ROOFLINE) !== 0 ? NaN : this.roofline(users, decodeContext, pt.layout) * pt.tokensPerStep;
    return pt;
  }

  /** Prefill of `newTokens` per user after `cachedTokens` in the KV cache, alone on the deployment. */
  prefillSeconds(batch: number, newTokens: number, cachedTokens: number): number {
    const pt = this.point;
    this.last.batch = batch;
    this.last.prompt = cachedTokens + newTokens;
    this.last.output = 1;
    this.last.spec = undefined;
    pt.fewestChips = undefined;
    const why = this.place(batch, cachedTokens + newTokens + 1, cachedTokens + newTokens, undefined);
    pt.why = why;
    if (why !== "") return NaN;
    return this.pass(pt.machine, this.pr.profile, pt.layout.usersPerReplica, newTokens, cachedTokens, 1, resetAcc(this.scratch));
  }

  private pass(m: Machine, p: ModelProfile, users: number, newTokens: number, cached: number, logits: number, acc: Acc): number {
    const s = this.one[0]!;
    s.users = users;
    s.newTokens = newTokens;
    s.cachedTokens = cached;
    s.logitTokens = logits;
    return forward(p, m, this.one, acc);
  }

  // ---- layout ------------------------------------------------------------------------------

  /**
   * What a layout is chosen by: one request's time on it, its users' prefill and then the
   * output at the mean decode step (a layout trades one for the other; the request's time is
   * what a user waits, so a faster part of the hardware never makes the choice slower).
   */
  private requestSeconds(m: Machine, users: number, decodeContext: number): number {
    const l = this.last;
    const tpot = this.pass(m, this.pr.profile, users, 1, decodeContext, 1, resetAcc(this.scratch));
    const prefill = this.pass(m, this.pr.profile, users, l.prompt, 0, 1, resetAcc(this.scratch));
    this.candidateTpot = tpot;
    return prefill + (l.output - 1) * tpot;
  }

  /**
   * Whether a candidate layout serves better than the best so far: a faster decode step first
   * (tokens per second per user, what a user watches), then a shorter request (its prefill),
   * then fewer chips. Candidates for more chips include every layout of fewer (the spare chips
   * idle), so more chips never decode slower.
   */
  private better(tpot: number, request: number, chips: number, best: { tpot: number; request: number; chips: number }): boolean {
    if (tpot < best.tpot * (1 - 1e-9)) return true;
    if (tpot > best.tpot * (1 + 1e-9)) return false;
    if (request < best.request * (1 - 1e-9)) return true;
    if (request > best.request * (1 + 1e-9)) return false;
    return chips < best.chips;
  }

  /** Chooses the layout for this point into `this.point`; returns "" or why it cannot run. */
  private place(batch: number, context: number, decodeContext: number, spec: SpecInput | undefined): string {
    return this.pr.hardware.kind === "gpu" ? this.placeGpu(batch, context, decodeContext, spec) : this.placeWafer(batch, context, decodeContext, spec);
  }

  private gpuParams(): GpuParams {
    return this.pr.params as GpuParams;
  }

  private gpuMachineOf(tp: number, pp: number): GpuMachine {
    const key = `g${tp}x${pp}`;
    let m = this.machines.get(key);
    if (!m) {
      m = gpuMachine(this.pr.hardware, this.gpuParams(), tp, pp, this.pr.peak, this.pr.lowPrecisionPeak);
      this.machines.set(key, m);
    }
    return m as GpuMachine;
  }

  /**
   * GPU layouts: tensor-parallel widths that split the heads (or the one asked for), the fewest
   * pipeline stages that hold the model, and replicas for the rest. Without chips asked: the
   * fewest GPUs that hold the model. With chips asked: every such layout within them, the one
   * that serves each request fastest (ties: fewer chips).
   */
  private placeGpu(batch: number, context: number, decodeContext: number, spec: SpecInput | undefined): string {
    const pr = this.pr;
    const params = this.gpuParams();
    const draft = this.resident(spec !== undefined);
    const widths = this.widths;
    const asked = pr.chipsAsked;
    const frac = pr.memoryFraction ?? params.memoryFraction;
    this.bestSoFar.tpot = this.bestSoFar.request = this.bestSoFar.chips = Infinity;
    let bestTp = 0;
    let bestPp = 0;
    let bestReplicas = 1;
    let bestUsers = batch;
    let bestMemory: Memory | undefined;
    let closest: Memory | undefined;
    for (let wi = 0; wi < widths.length; wi++) {
      const tp = widths[wi]!;
      // Stages only on the widest group (a narrower one widens first), or as pinned.
      const ppFrom = pr.pipelineStages ?? 1;
      const ppTo = pr.pipelineStages ?? (wi < widths.length - 1 && pr.tensorParallel === undefined ? 1 : pr.profile.layers);
      for (let pp = ppFrom; pp <= ppTo; pp++) {
        const n = tp * pp;
        if (asked !== undefined && n > asked) break;
        const replicas = asked !== undefined ? Math.max(1, Math.min(Math.floor(asked / n), batch)) : 1;
        const users = Math.ceil(batch / replicas);
        const memory = gpuMemory(pr.profile, pr.hardware, params, context, draft, tp, pp, replicas, users, frac, asked === undefined ? this.memory : newMemory());
        if (!memory.fits) {
          if (!closest || memory.capacityBytes > closest.capacityBytes) closest = memory;
          continue;
        }
        if (asked === undefined) {
          // the fewest chips: widths and stages are tried in order of chips
          return this.setGpu(tp, pp, 1, users, memory, undefined);
        }
        const t = this.requestSeconds(this.gpuMachineOf(tp, pp), users, decodeContext);
        const b = this.bestSoFar;
        if (this.better(this.candidateTpot, t, n * replicas, b)) {
          b.tpot = this.candidateTpot; b.request = t; b.chips = n * replicas;
          bestTp = tp; bestPp = pp; bestReplicas = replicas; bestUsers = users; bestMemory = memory;
        }
        break; // more stages than the fewest that fit only add hand-offs
      }
    }
    if (!bestMemory) return this.doesNotFit(closest, asked);
    return this.setGpu(bestTp, bestPp, bestReplicas, bestUsers, bestMemory, asked);
  }

  private setGpu(tp: number, pp: number, replicas: number, users: number, memory: Memory, asked: number | undefined): string {
    const pt = this.point;
    const used = tp * pp * replicas;
    const l = this.layout;
    l.chips = used;
    l.replicas = replicas;
    l.tensorParallel = tp;
    l.pipelineStages = pp;
    l.regionCores = 0;
    l.pipelineSlots = pp;
    l.usersPerReplica = users;
    l.idleChips = asked !== undefined ? asked - used : 0;
    pt.layout = l;
    pt.memory = memory;
    pt.machine = this.gpuMachineOf(tp, pp);
    return "";
  }

  /**
   * Why the chips asked for (or any layout) cannot run the point, with what it would take: the
   * fewest chips that hold it, found as a placement without chips asked would.
   */
  private doesNotFit(closest: Memory | undefined, asked: number | undefined): string {
    const hw = this.pr.hardware;
    const m = closest;
    if (m) this.point.memory = m;
    const need = m ? `${fmtBytes(m.weightBytes)} weights, ${fmtBytes(m.kvCacheBytes)} KV cache${m.activationBytes > 0 ? `, ${fmtBytes(m.activationBytes)} runtime reserve` : ""} against ${fmtBytes(m.capacityBytes)}` : "no layout";
    if (asked === undefined) return `no layout of ${hw.id} holds the model (${need})`;
    this.point.fewestChips = this.fewestFor();
    return `${asked} x ${hw.id} cannot hold the model (${need})`;
  }

  /** The chips a placement without chips asked picks for the point being placed, if any. */
  private fewestFor(): number | undefined {
    if (!this.auto) {
      const { chipsAsked: _asked, ...auto } = this.pr;
      this.auto = new Plan(auto);
    }
    const q = this.auto.evaluate(this.last.batch, this.last.prompt, this.last.output, this.last.spec);
    return q.why === "" ? q.layout.chips : undefined;
  }

  /**
   * The wafer machine of a layout. One per (wafers, slots, overhead), built once; its region is
   * set on a reused copy when it differs (regions vary continuously from point to point, so they
   * are not keys: a sweep must not grow a cache per point).
   */
  private waferMachineOf(wafers: number, region: number, slots: number, overhead = true): WaferMachine {
    const key = (wafers * 4096 + slots) * 2 + (overhead ? 1 : 0);
    let e = this.waferMachines.get(key);
    if (!e) {
      const p = this.pr.params as WaferParams;
      const base = waferMachine(this.pr.hardware, overhead ? p : { ...p, stepOverhead: 0, prefillOverhead: 0 }, wafers, region, slots, this.pr.peak, this.pr.expertPlacement, this.pr.coresPerLayer !== undefined);
      e = { base, scratch: { ...base } };
      this.waferMachines.set(key, e);
    }
    if (e.base.regionCores === region) return e.base;
    e.scratch.regionCores = region;
    return e.scratch;
  }

  /**
   * Wafer layouts. A layer region of R cores reads its slice of the weights in time ~1/R and
   * reduces across the region in ~sqrt(R) hops, so per-layer time a/R + b sqrt(R) is least at
   * R* = (2a/b)^(2/3); a runtime gives each layer min(R*, the cores it has) and never more
   * wafers than help. Without chips asked: the fewest wafers that hold the model. With chips
   * asked: wafers per replica and replicas that serve each request fastest; the rest stay idle.
   */
  private placeWafer(batch: number, context: number, decodeContext: number, spec: SpecInput | undefined): string {
    const pr = this.pr;
    const hw = pr.hardware;
    const p = pr.profile;
    const draft = this.resident(spec !== undefined);
    const asked = pr.chipsAsked;
    if (pr.coresPerLayer !== undefined) {
      // A benchmark of one layer on a chosen core grid, scaled to the model: one pipeline slot.
      const wafers = asked ?? 1;
      const memory = waferMemory(p, hw, context, draft, wafers, 1, batch, this.memory);
      if (!memory.fits) return this.doesNotFit(memory, asked);
      return this.setWafer(wafers, pr.coresPerLayer, 1, batch, 1, 0);
    }
    const weights = weightsOf(p, draft);
    const kvPerUser = kvPerUserOf(p, context, draft);
    const cap = hw.memory.capacity.value;
    if (asked === undefined) {
      const rmin = minRegionCores(p, hw, context, batch);
      const w = this.fewestWafers(batch, weights, kvPerUser, context, draft, rmin);
      const rmax = maxRegionCores(p, hw, draft, w);
      if ((this.skip & SKIP_MEMORY) === 0) waferMemory(p, hw, context, draft, w, 1, batch, this.memory);
      return this.setWafer(w, this.bestRegion(w, rmin, rmax, batch, decodeContext), 1, batch, p.layers, 0);
    }
    // Replica counts worth trying: powers of two up to the users, and the most the chips hold;
    // for each, wafers from the fewest until every layer has its best region.
    this.bestSoFar.tpot = this.bestSoFar.request = this.bestSoFar.chips = Infinity;
    let bestW = 0;
    let bestR = 0;
    let bestReplicas = 1;
    let bestUsers = batch;
    const most = Math.min(batch, Math.floor(asked / this.fewestWafers(1, weights, kvPerUser, context, draft)));
    for (let replicas = 1; replicas >= 1 && replicas <= Math.max(1, most); replicas = replicas === most ? most + 1 : Math.min(most, replicas * 2)) {
      const users = Math.ceil(batch / replicas);
      const wmin = this.fewestWafers(users, weights, kvPerUser, context, draft);
      const wmax = Math.floor(asked / replicas);
      const rmin = minRegionCores(p, hw, context, users);
      for (let w = wmin; w <= wmax; w++) {
        const rmax = maxRegionCores(p, hw, draft, w);
        if (rmax < rmin || weights + users * kvPerUser > w * cap) continue;
        const r = this.bestRegion(w, rmin, rmax, users, decodeContext);
        const t = this.requestSeconds(this.waferMachineOf(w, r, p.layers), users, decodeContext);
        const b = this.bestSoFar;
        if (this.better(this.candidateTpot, t, w * replicas, b)) {
          b.tpot = this.candidateTpot; b.request = t; b.chips = w * replicas;
          bestW = w; bestR = r; bestReplicas = replicas; bestUsers = users;
        }
        // More wafers help only until every layer has its best region: stop there.
        if (rmax >= this.optimalRegion(w, users, decodeContext)) break;
      }
    }
    if (bestW === 0) return this.doesNotFit(waferMemory(p, hw, context, draft, asked, 1, batch, this.memory), asked);
    waferMemory(p, hw, context, draft, bestW, bestReplicas, bestUsers, this.memory);
    return this.setWafer(bestW, bestR, bestReplicas, bestUsers, p.layers, asked - bestW * bestReplicas);
  }

  /** The fewest wafers that hold `users` users: their bytes, and layer regions that hold a layer each. */
  private fewestWafers(users: number, weights: number, kvPerUser: number, context: number, draft: Resident | undefined, rmin = minRegionCores(this.pr.profile, this.pr.hardware, context, users)): number {
    const hw = this.pr.hardware;
    let w = Math.max(1, Math.ceil((weights + users * kvPerUser) / hw.memory.capacity.value));
    const regions = regionsOf(this.pr.profile, draft);
    while (Math.floor((waferCores(hw) * w) / regions) < rmin) w++;
    return w;
  }

  private setWafer(wafers: number, region: number, replicas: number, users: number, slots: number, idle: number): string {
    const pt = this.point;
    const l = this.layout;
    l.chips = wafers * replicas;
    l.replicas = replicas;
    l.tensorParallel = 1;
    l.pipelineStages = wafers;
    l.regionCores = region;
    l.pipelineSlots = slots;
    l.usersPerReplica = users;
    l.idleChips = idle;
    pt.layout = l;
    pt.memory = this.memory;
    pt.machine = this.waferMachineOf(wafers, region, slots);
    return "";
  }

  /**
   * R* = (2a / b)^(2/3): a is the work per layer in core-seconds (time x R: the reads and FLOPs
   * spread over R cores), b the mesh time per sqrt(core). Both come from decode passes on the
   * largest region `w` wafers give; a is linear in the context (KV reads and attention), so two
   * passes per (wafers, users) give R* at every context in closed form.
   */
  private optimalRegion(w: number, users: number, decodeContext: number): number {
    const key = w * 1e6 + users; // users <= MAX_BATCH (1e6): one key per (w, users)
    let c = key === this.lastCurveKey ? this.lastCurve : this.regionCurves.get(key);
    if (!c) {
      const rmax = maxRegionCores(this.pr.profile, this.pr.hardware, this.resident(false), w);
      const m = this.waferMachineOf(w, rmax, this.pr.profile.layers);
      const at = (ctx: number) => {
        const acc = resetAcc(this.scratch);
        this.pass(m, this.pr.profile, users, 1, ctx, 1, acc);
        // the parts that follow the region: a dense sub-region of its own size (sliced MoE) does not
        return { a: (acc.compute + acc.memory - acc.subWork) * rmax, b: (acc.mesh - acc.subMesh) / Math.sqrt(rmax) };
      };
      const lo = at(0);
      const hi = at(REGION_PROBE_CONTEXT);
      if (this.regionCurves.size >= 4096) this.regionCurves.clear();
      c = { a0: lo.a, a1: (hi.a - lo.a) / REGION_PROBE_CONTEXT, b: lo.b };
      this.regionCurves.set(key, c);
    }
    this.lastCurveKey = key; // a sweep's inner axis often keeps (wafers, users): skip the map
    this.lastCurve = c;
    const a = c.a0 + c.a1 * decodeContext;
    if (!(c.b > 0)) return Infinity;
    const k = Math.cbrt((2 * a) / c.b); // (2a / b)^(2/3), cbrt being several times faster than pow
    return k * k;
  }

  /** min(R*, rmax), at least rmin, as a square of whole cores (a region's side is a number of cores). */
  private bestRegion(w: number, rmin: number, rmax: number, users: number, decodeContext: number): number {
    const r = Math.min(rmax, Math.max(rmin, this.optimalRegion(w, users, decodeContext)));
    if (r >= rmax) return rmax;
    const side = Math.min(Math.floor(Math.sqrt(rmax)), Math.max(Math.ceil(Math.sqrt(rmin)), Math.round(Math.sqrt(r))));
    return Math.max(rmin, Math.min(rmax, side * side));
  }

  // ---- speculation -------------------------------------------------------------------------

  /**
   * Where the draft runs. A draft head (one layer reusing the target's output head) sits in its
   * own region next to the output head on the last wafer or stage: no hand-off between wafers,
   * no step overhead of its own. A draft model runs in its own regions on one wafer (more only if
   * it needs them), with no per-token host step; its tokens cross one hand-off to the target's
   * first wafer per verify step. On GPUs a draft model runs on the target's GPUs as its own step.
   */
  private draftFor(m: Machine): Draft {
    const pr = this.pr;
    const over = pr.params.draftOverhead;
    if (m.kind === "gpu") {
      // a draft step's launches and sampling are draftOverhead, not a whole decode step's overhead
      if (!pr.draft) return { profile: this.head(), machine: { ...m, pipelineStages: 1, stepOverhead: 0, prefillOverhead: 0 }, handoff: 0, overhead: over };
      return { profile: pr.draft.profile, machine: { ...m, stepOverhead: 0, prefillOverhead: 0 }, handoff: 0, overhead: over };
    }
    if (!pr.draft) return { profile: this.head(), machine: this.waferMachineOf(1, m.regionCores, 1, false), handoff: 0, overhead: over };
    const d = pr.draft.profile;
    const wafers = Math.max(1, Math.ceil((m.regionCores * (d.layers + 1)) / waferCores(pr.hardware)));
    return { profile: d, machine: this.waferMachineOf(wafers, m.regionCores, d.layers, false), handoff: m.chips > 1 ? (pr.params as WaferParams).waferLinkLatency : 0, overhead: over };
  }

  // ---- roofline ----------------------------------------------------------------------------

  /**
   * The physical ceiling per user: each step must read the weights its tokens use and every
   * user's KV cache, and do their FLOPs, at the full bandwidth and peak of the chips that work
   * on a step at the same time (a tensor-parallel group; one wafer, which a token crosses layer
   * by layer). Users sharing a step: a replica's users (a wafer pipeline's per slot).
   */
  roofline(users: number, context: number, layout: Layout): number {
    const pr = this.pr;
    const p = pr.profile;
    const gpu = pr.hardware.kind === "gpu";
    const parallel = gpu ? layout.tensorParallel : 1;
    const share = gpu ? Math.max(1, users / layout.pipelineStages) : Math.max(1, users / layout.pipelineSlots);
    let bytes = p.headBytes;
    let flops = share * p.headFlops;
    for (const g of p.groups) {
      const touched = g.experts > 0 ? expectedExpertsTouched(g.experts, g.activeExperts, share) : 0;
      bytes += g.count * (g.fixedBytes + touched * g.expertBytes);
      flops += share * g.count * (g.matmulFlops + g.attnFlopsPerPosition * (g.window === null ? context : Math.min(context, g.window)));
    }
    bytes += share * kvBytesPerSequence(p, context) * (gpu ? kvReplication(p, parallel) : 1);
    return Math.min((parallel * pr.hardware.memory.bandwidth.value) / bytes, (parallel * pr.peak) / flops);
  }
}

const fmtBytes = (b: number): string => {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let v = b;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${v.toPrecision(3)} ${units[i]}`;
};
