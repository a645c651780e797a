/**
 * Seeded random numbers for the simulator: the same seed gives the same draws on every
 * machine (no Math.random). xoshiro128** (Blackman and Vigna, "Scrambled linear pseudorandom
 * number generators", 2018) seeded through splitmix32; each purpose (arrivals, prompt lengths,
 * output lengths, prefix hits) gets its own stream, so changing one distribution does not
 * shift the draws of another.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    let s = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() || 1;
  }

  private u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** uniform in (0, 1): never 0, so logarithms stay finite */
  uniform(): number {
    return (this.u32() + 0.5) / 4294967296;
  }

  exponential(mean: number): number {
    return -mean * Math.log(this.uniform());
  }

  normal(): number {
    // Box-Muller; the second value is dropped to keep one draw per call.
    return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Gamma(shape, scale) by Marsaglia and Tsang (ACM TOMS 26(3), 2000); shape < 1 by boosting. */
  gamma(shape: number, scale: number): number {
    if (shape < 1) return this.gamma(shape + 1, scale) * this.uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The streams of one simulation. */
export const STREAM = { arrivals: 1, prompt: 2, output: 3, prefix: 4, agents: 5, service: 6 } as const;
