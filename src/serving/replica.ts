import type { Segment } from "./engine.js";
import { Deque, Heap } from "./heap.js";

/** One request while it is in the system (dropped when it finishes: memory stays bounded). */
export interface Req {
  readonly id: number;
  readonly arrival: number;
  readonly prompt: number;
  readonly output: number;
  /** prompt tokens served from the prefix cache (not computed) on the first admission */
  readonly cachedAtArrival: number;
  /** tokens the prefill must bring into the KV cache: the prompt, or after a preemption everything known so far */
  target: number;
  /** tokens in the KV cache during prefill (starts at the prefix-cache hit) */
  done: number;
  /** output tokens still to produce */
  remaining: number;
  /** KV blocks held while prefilling */
  blocks: number;
  /** decode: first decode pass index and tokens in the KV cache then */
  p0: number;
  ctx0: number;
  /** 0 waiting, 1 prefilling, 2 decoding, 3 finished, 4 in transfer (disaggregated) */
  state: number;
  /** admission stamp: the latest admitted is preempted first (as vLLM does) */
  stamp: number;
  admitted: number;
  firstToken: number;
  preemptions: number;
  replica: number;
  /** agent traffic: which agent and turn (-1 otherwise) */
  readonly agent: number;
  readonly turn: number;
}

export type Role = "mixed" | "prefill" | "decode";

export interface ReplicaConfig {
  readonly index: number;
  readonly role: Role;
  readonly static: boolean;
  /** tokens per iteration (decodes count one each); Infinity: whole prompts (wafer) */
  readonly tokenBudget: number;
  readonly maxSeqs: number;
  readonly blockSize: number;
  readonly blocks: number;
  readonly passSeconds: (segments: readonly Segment[]) => number;
}

/** What a replica tells the simulation. */
export interface ReplicaHost {
  firstToken(r: Req, t: number): void;
  finished(r: Req, t: number): void;
  /** prefill role: the prompt's KV is ready to move to a decode replica */
  handoff(r: Req, t: number): void;
  /** a request that can never fit this replica's KV pool */
  rejected(r: Req, t: number): void;
  /** a pass from t0 to t1 with this share of KV blocks in use */
  pass(replica: number, t0: number, t1: number, kvShare: number): void;
  schedule(t: number, replica: Replica): void;
}

interface SegBuf {
  users: number;
  newTokens: number;
  cachedTokens: number;
  logitTokens: number;
}

const mod = (a: number, m: number) => ((a % m) + m) % m;

/**
 * One replica's scheduler, iteration by iteration, as vLLM and SGLang run continuous batching:
 * each iteration (one forward pass) carries every running decode (one token each) and, within
 * the token budget, chunks of prefills: first those already running, then new admissions from
 * the queue while there are sequence slots and free KV blocks for the chunk. Blocks are taken
 * as tokens are written (blockSize tokens each); when a decode needs a block and none is free,
 * the latest admitted request is preempted and recomputed later (vLLM's RECOMPUTE mode). A
 * wafer runs the same loop with one sequence per pipeline slot and whole prompts streamed
 * through the pipeline (no token budget). `static` batching admits a batch only when the
 * replica is empty and keeps every sequence in it stepping until the longest has finished.
 *
 * Bookkeeping is O(1) per iteration plus O(log n) per request: decodes are held as a count, a
 * sum of contexts (their pass is one segment at the mean context: exact while attention has no
 * window, as KV bytes and attention FLOPs are linear in context) and a heap of finishing passes;
 * the blocks decodes need per pass come from counting them by the pass at which each crosses a
 * block boundary (context mod blockSize).
 */
export class Replica {
  readonly queue: Deque<Req>;
  private readonly prefilling: Req[] = [];
  private readonly finishing = new Heap<Req>();
  private running: Req[] = [];
  private runningCount = 0;
  private nDec = 0;
  private sumCtx = 0;
  private readonly phase: Int32Array;
  private free: number;
  private passIndex = 0;
  private stamp = 0;
  /** static batching: sequences of the batch still stepping (finished ones included) */
  private staticUsers = 0;
  busy = false;
  outstanding = 0;
  busySeconds = 0;
  preemptions = 0;
  // the pass in flight
  private readonly segs: SegBuf[] = [];
  private nSegs = 0;
  private readonly chunkReqs: Req[] = [];
  private readonly chunkSizes: number[] = [];
  private passDecodes = 0;

  constructor(readonly cfg: ReplicaConfig, private readonly host: ReplicaHost, queue?: Deque<Req>) {
    this.queue = queue ?? new Deque<Req>();
    this.phase = new Int32Array(cfg.blockSize);
    this.free = cfg.blocks;
  }

  /** blocks a sequence of `tokens` tokens holds */
  private blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.cfg.blockSize);
  }

  /** whether a request could ever run here (its whole length in the KV pool) */
  fits(r: Req): boolean {
    return this.blocksFor(r.prompt + r.output) <= this.cfg.blocks;
  }

  get kvShare(): number {
    return 1 - this.free / this.cfg.blocks;
  }

  /** Starts an iteration if there is work and none is running. */
  wake(now: number): void {
    if (this.busy) return;
    this.startPass(now);
  }

  private addSeg(users: number, newTokens: number, cached: number, logits: number): void {
    for (let i = 0; i < this.nSegs; i++) {
      const s = this.segs[i]!;
      if (s.newTokens === newTokens && s.cachedTokens === cached && s.logitTokens === logits) { s.users += users; return; }
    }
    let s = this.segs[this.nSegs];
    if (!s) { s = { users: 0, newTokens: 0, cachedTokens: 0, logitTokens: 0 }; this.segs.push(s); }
    s.users = users; s.newTokens = newTokens; s.cachedTokens = cached; s.logitTokens = logits;
    this.nSegs++;
  }

  private enterRunning(r: Req): void {
    r.stamp = this.stamp++;
    this.running.push(r);
    this.runningCount++;
  }

  private leaveRunning(): void {
    this.runningCount--;
    // Compact the admission-order list now and then (finished requests are dropped lazily).
    if (this.running.length > 64 && this.running.length > 4 * this.runningCount) this.running = this.running.filter((x) => x.state === 1 || x.state === 2);
  }

  /** Preempts the latest admitted running request other than `keep`; false when there is none. */
  private preemptOne(keep: Req | undefined): boolean {
    for (let i = this.running.length - 1; i >= 0; i--) {
      const v = this.running[i]!;
      if (v.state !== 1 && v.state !== 2) { this.running.splice(i, 1); continue; }
      if (v === keep) return false;
      this.running.splice(i, 1);
      this.preempt(v);
      return true;
    }
    return false;
  }

  private preempt(v: Req): void {
    const p = this.passIndex;
    if (v.state === 2) {
      const ctx = v.ctx0 + (p - v.p0);
      this.nDec--;
      this.sumCtx -= ctx;
      this.phase[mod(v.p0 - v.ctx0, this.cfg.blockSize)]!--;
      this.free += this.blocksFor(ctx);
      v.remaining -= p - v.p0;
      // Recompute: everything known so far (the prompt and the tokens generated) is prefilled
      // again; its last position yields the next token.
      v.target = ctx + 1;
    } else {
      this.free += v.blocks;
      const i = this.prefilling.indexOf(v);
      if (i >= 0) this.prefilling.splice(i, 1);
    }
    v.blocks = 0;
    v.done = 0;
    v.state = 0;
    v.preemptions++;
    this.preemptions++;
    this.runningCount--;
    this.queue.unshift(v);
  }

  private enterDecode(r: Req, firstPass: number, ctx: number): void {
    r.state = 2;
    r.p0 = firstPass;
    r.ctx0 = ctx;
    r.blocks = 0;
    this.nDec++;
    this.sumCtx += ctx;
    this.phase[mod(firstPass - ctx, this.cfg.blockSize)]!++;
    this.finishing.push(firstPass + r.remaining - 1, r);
  }

  private startPass(now: number): void {
    const c = this.cfg;
    const bs = c.blockSize;
    this.nSegs = 0;
    this.chunkReqs.length = 0;
    this.chunkSizes.length = 0;
    const p = this.passIndex;
    this.admitDecodes();
    // Blocks the decodes write into this pass; preempt the latest admitted until they fit.
    while (this.nDec > 0 && this.phase[p % bs]! > this.free) {
      if (!this.preemptOne(undefined)) break;
    }
    this.passDecodes = this.nDec;
    let budget = c.static ? Infinity : c.tokenBudget;
    if (this.nDec > 0) {
      this.free -= this.phase[p % bs]!;
      // Static batching keeps finished sequences stepping (padding) until the batch is done.
      const users = c.static ? this.staticUsers : this.nDec;
      this.addSeg(users, 1, Math.round(this.sumCtx / this.nDec), 1);
      budget -= this.nDec;
    }
    // Running prefills first, in admission order.
    for (let i = 0; i < this.prefilling.length && budget > 0; i++) {
      budget -= this.takeChunk(this.prefilling[i]!, budget);
    }
    this.admit(now, budget);
    if (this.nSegs === 0 && this.prefilling.length > 0) {
      // Prefills hold every free block and none can move: the latest admitted gives its blocks back.
      if (this.preemptOne(this.prefilling[0])) { this.startPass(now); return; }
    }
    if (this.nSegs === 0) {
      this.busy = false;
      return;
    }
    const segs = this.segs.length === this.nSegs ? this.segs : this.segs.slice(0, this.nSegs);
    const t = c.passSeconds(segs);
    this.busy = true;
    this.busySeconds += t;
    this.host.pass(c.index, now, now + t, this.kvShare);
    this.host.schedule(now + t, this);
  }

  /**
   * Disaggregated decode: requests whose prompt's KV has arrived take their blocks and join this
   * pass's decodes (first in the queue first, while slots and blocks last).
   */
  private admitDecodes(): void {
    for (let r = this.queue.peek(); r !== undefined && r.state === 4 && this.runningCount < this.cfg.maxSeqs; r = this.queue.peek()) {
      const need = this.blocksFor(r.target);
      if (need > this.free) return;
      this.queue.shift();
      this.free -= need;
      r.replica = this.cfg.index;
      this.enterRunning(r);
      this.enterDecode(r, this.passIndex, r.target);
    }
  }

  /**
   * Schedules the next chunk of a prefilling request within `budget` and the free blocks (a
   * chunk shrinks to the blocks there are; whole prompts on a wafer or in a static batch);
   * returns its size.
   */
  private takeChunk(r: Req, budget: number): number {
    const bs = this.cfg.blockSize;
    const whole = r.target - r.done;
    const wholeOnly = this.cfg.static || !Number.isFinite(this.cfg.tokenBudget);
    let chunk = wholeOnly ? whole : Math.min(whole, budget);
    let need = this.blocksFor(r.done + chunk) - r.blocks;
    if (need > this.free) {
      if (wholeOnly) return 0;
      chunk = Math.min(chunk, (r.blocks + this.free) * bs - r.done);
      if (chunk <= 0) return 0;
      need = this.blocksFor(r.done + chunk) - r.blocks;
    }
    this.free -= need;
    r.blocks += need;
    this.addSeg(1, chunk, r.done, r.done + chunk === r.target ? 1 : 0);
    this.chunkReqs.push(r);
    this.chunkSizes.push(chunk);
    return chunk;
  }

  private admit(now: number, budget: number): void {
    const c = this.cfg;
    if (c.static && this.runningCount > 0) return;
    // A static batch reserves every sequence's whole length up front.
    let reserved = 0;
    let admitted = 0;
    while (budget > 0 && this.runningCount < c.maxSeqs && this.queue.length > 0) {
      const r = this.queue.peek()!;
      if (!this.fits(r)) {
        this.queue.shift();
        r.state = 3;
        this.outstanding--;
        this.host.rejected(r, now);
        continue;
      }
      if (r.state === 4) break; // a transferred request waits for admitDecodes, in order
      if (c.static) {
        const rest = this.blocksFor(r.prompt + r.output) - this.blocksFor(r.target);
        if (this.blocksFor(r.target) + rest + reserved > this.free) break;
        reserved += rest;
      }
      const whole = r.target - r.done;
      if (whole > budget && (c.static || !Number.isFinite(c.tokenBudget))) break;
      if (this.blocksFor(r.done + Math.min(whole, budget)) > this.free) break;
      this.queue.shift();
      r.state = 1;
      r.replica = c.index;
      if (Number.isNaN(r.admitted)) r.admitted = now;
      this.enterRunning(r);
      this.prefilling.push(r);
      budget -= this.takeChunk(r, budget);
      admitted++;
    }
    if (c.static && admitted > 0) this.staticUsers = admitted;
  }

  /** The pass in flight has ended at `now`. */
  endPass(now: number): void {
    const c = this.cfg;
    const p = this.passIndex;
    this.passIndex++;
    this.busy = false;
    if (this.passDecodes > 0) this.sumCtx += this.passDecodes;
    // Finished decodes.
    while (this.finishing.size > 0 && this.finishing.peekKey() <= p) {
      const r = this.finishing.pop();
      if (r.state !== 2 || r.p0 + r.remaining - 1 !== p) continue; // preempted since (a stale entry)
      const ctx = r.ctx0 + (p + 1 - r.p0);
      this.nDec--;
      this.sumCtx -= ctx;
      this.phase[mod(r.p0 - r.ctx0, c.blockSize)]!--;
      this.free += this.blocksFor(ctx);
      r.remaining = 0;
      r.state = 3;
      this.leaveRunning();
      this.done(r, now);
    }
    // Prefill chunks.
    for (let i = 0; i < this.chunkReqs.length; i++) {
      const r = this.chunkReqs[i]!;
      if (r.state !== 1) continue;
      r.done += this.chunkSizes[i]!;
      if (r.done < r.target) continue;
      this.prefilling.splice(this.prefilling.indexOf(r), 1);
      r.remaining--;
      if (Number.isNaN(r.firstToken)) { r.firstToken = now; this.host.firstToken(r, now); }
      if (c.role === "prefill") {
        this.free += r.blocks;
        r.blocks = 0;
        r.state = 4;
        this.leaveRunning();
        this.outstanding--;
        this.host.handoff(r, now);
      } else if (r.remaining <= 0) {
        this.free += r.blocks;
        r.blocks = 0;
        r.state = 3;
        this.leaveRunning();
        this.done(r, now);
      } else {
        this.enterDecode(r, this.passIndex, r.target);
      }
    }
    if (c.static && this.runningCount === 0) this.staticUsers = 0;
    this.startPass(now);
  }

  private done(r: Req, now: number): void {
    this.outstanding--;
    this.host.finished(r, now);
  }
}
