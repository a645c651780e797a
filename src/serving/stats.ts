/**
 * Streaming statistics: memory does not grow with the number of requests.
 *
 * LogHistogram is a log-bucket quantile sketch (as HdrHistogram and DDSketch do it): bucket i
 * holds values in [m g^i, m g^(i+1)) with g = (1 + RELATIVE_ERROR)^2, and a quantile is reported
 * as the geometric middle of its bucket, m g^(i + 1/2): within RELATIVE_ERROR (0.5%) of every
 * value in the bucket. Range m = 0.1 us to 10^7 s (values below count as an underflow, reported
 * as the exact minimum seen; values above go to the last bucket and are clamped to the maximum).
 */
export const RELATIVE_ERROR = 0.005;
const GROWTH = (1 + RELATIVE_ERROR) ** 2;
const LOG_GROWTH = Math.log(GROWTH);
const MIN_VALUE = 1e-7;
const MAX_VALUE = 1e7;
const BUCKETS = Math.ceil(Math.log(MAX_VALUE / MIN_VALUE) / LOG_GROWTH) + 1;

export interface Summary {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

export class LogHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private below = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  add(v: number): void {
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (v < MIN_VALUE) { this.below++; return; }
    const i = Math.min(BUCKETS - 1, Math.floor(Math.log(v / MIN_VALUE) / LOG_GROWTH));
    this.counts[i]!++;
  }

  /** The q-quantile (0 < q < 1), within RELATIVE_ERROR; clamped to the exact min and max seen. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = q * (this.count - 1);
    if (rank < this.below) return Math.max(0, this.min);
    let seen = this.below;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen > rank) {
        const mid = MIN_VALUE * GROWTH ** (i + 0.5);
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  summary(): Summary {
    return { mean: this.count > 0 ? this.sum / this.count : 0, p50: this.quantile(0.5), p90: this.quantile(0.9), p99: this.quantile(0.99) };
  }

  /** points of the empirical CDF, one per non-empty bucket (for charts) */
  cdf(): { readonly x: number; readonly p: number }[] {
    const pts: { x: number; p: number }[] = [];
    if (this.count === 0) return pts;
    let seen = this.below;
    if (this.below > 0) pts.push({ x: Math.max(0, this.min), p: seen / this.count });
    for (let i = 0; i < BUCKETS; i++) {
      if (this.counts[i] === 0) continue;
      seen += this.counts[i]!;
      pts.push({ x: Math.min(this.max, MIN_VALUE * GROWTH ** (i + 1)), p: seen / this.count });
    }
    return pts;
  }
}

/**
 * Time-weighted averages over windows of simulated time, with a bounded number of windows:
 * when they reach 2 x `target`, neighbours merge and the window doubles. For utilisation and
 * KV-cache occupancy over time.
 */
export class Timeline {
  private width: number;
  private values: number[] = [];

  constructor(initialWidthSeconds: number, private readonly target = 120) {
    this.width = initialWidthSeconds;
  }

  /** adds `value` held from t0 to t1 (value-seconds accrue into the windows they overlap) */
  add(t0: number, t1: number, value: number): void {
    if (!(t1 > t0) || value === 0) return;
    while (t1 > this.width * 2 * this.target) this.coarsen();
    let a = t0;
    while (a < t1) {
      const i = Math.floor(a / this.width);
      const end = Math.min(t1, (i + 1) * this.width);
      while (this.values.length <= i) this.values.push(0);
      this.values[i]! += value * (end - a);
      a = end;
    }
  }

  private coarsen(): void {
    const v: number[] = [];
    for (let i = 0; i < this.values.length; i += 2) v.push((this.values[i] ?? 0) + (this.values[i + 1] ?? 0));
    this.values = v;
    this.width *= 2;
  }

  /** windows up to `end` seconds: start, width and the time-average of the value in each */
  windows(end: number): { readonly startSeconds: number; readonly seconds: number; readonly mean: number }[] {
    const n = Math.max(1, Math.ceil(end / this.width));
    const out: { startSeconds: number; seconds: number; mean: number }[] = [];
    for (let i = 0; i < n; i++) {
      const start = i * this.width;
      const w = Math.min(this.width, end - start);
      if (w <= 0) break;
      out.push({ startSeconds: start, seconds: w, mean: (this.values[i] ?? 0) / w });
    }
    return out;
  }
}
